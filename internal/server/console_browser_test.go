package server_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// The web console in a real headless Chromium (Debian's chromium, driven
// over the DevTools protocol by chromedp): the learner's whole story, as
// they click it, with its JavaScript (drag and drop, the upload's progress
// bar), its cookies, its downloads, and a second browser context that has
// never signed in. Screenshots of every step are kept in
// $GUREUM_ARTIFACTS/console (artifacts/console at the top of the
// repository when unset).

// needChromium returns the Chromium binary; CI must have it.
func needChromium(t *testing.T) string {
	t.Helper()
	// Debian's /usr/bin/chromium is a shell wrapper; the binary itself
	// takes chromedp's flags as they are.
	for _, p := range []string{"/usr/lib/chromium/chromium", "chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("CI needs Chromium (apt-get install chromium)")
	}
	t.Skip("no Chromium (apt-get install chromium)")
	return ""
}

// artifacts is the directory the browser tests keep their screenshots
// in, emptied of a previous run's.
func artifacts(t *testing.T, name string) string {
	t.Helper()
	root := os.Getenv("GUREUM_ARTIFACTS")
	if root == "" {
		root = filepath.Join("..", "..", "artifacts")
	}
	dir, err := filepath.Abs(filepath.Join(root, name))
	if err != nil {
		t.Fatal(err)
	}
	_ = os.RemoveAll(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// chrome is one browser context (its own cookies) with one tab.
type chrome struct {
	t     *testing.T
	ctx   context.Context
	base  string
	who   string // names its screenshots
	shots *shotLog
}

// shotLog numbers the screenshots of a test, across its contexts.
type shotLog struct {
	dir string
	mu  sync.Mutex
	n   int
}

// newChrome starts Chromium at 1280×800, headless, with a tab in the
// default browser context.
func newChrome(t *testing.T, base, shotDir string) *chrome {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(needChromium(t)),
		chromedp.WindowSize(1280, 800),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.DisableGPU,
	)
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox) // Chromium refuses its sandbox as root
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	// The first action starts the browser, for as long as ctx lives
	// (under a shorter context, the browser would end with it).
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800)); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	return &chrome{t: t, ctx: ctx, base: base, who: "user", shots: &shotLog{dir: shotDir}}
}

// incognito is a second browser context of the same Chromium: no
// cookies, no session, as another person's browser.
func (c *chrome) incognito(who string) *chrome {
	ctx, cancel := chromedp.NewContext(c.ctx, chromedp.WithNewBrowserContext())
	c.t.Cleanup(cancel)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800)); err != nil {
		c.t.Fatalf("a second browser context: %v", err)
	}
	return &chrome{t: c.t, ctx: ctx, base: c.base, who: who, shots: c.shots}
}

// do runs steps in turn; a step that finds the DOM it knew replaced by
// a page load that just ended (its node gone before it acted) is tried
// again.
func (c *chrome) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	c.t.Helper()
	for _, step := range steps {
		for try := 1; ; try++ {
			ctx, cancel := context.WithTimeout(c.ctx, 60*time.Second)
			err := chromedp.Do(ctx, step)
			cancel()
			if err == nil {
				break
			}
			if try == 5 || !strings.Contains(err.Error(), "Could not find node with given id") {
				c.fail(what, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}

// eval evaluates a JavaScript expression in the tab.
func eval[T any](c *chrome, expr string) T {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(c.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		c.fail(expr, err)
	}
	return v
}

// fail ends the test with a screenshot and the text of the page.
func (c *chrome) fail(what string, err error) {
	c.t.Helper()
	c.shot("FAILED")
	ctx, cancel := context.WithTimeout(c.ctx, 5*time.Second)
	defer cancel()
	text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : document.documentElement.outerHTML`))
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	c.t.Fatalf("%s (%s browser): %v\nat %s:\n%s", what, c.who, err, loc, text)
}

// shot keeps a screenshot of the whole page.
func (c *chrome) shot(name string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(c.ctx, 20*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		c.t.Logf("screenshot %s: %v", name, err)
		return
	}
	c.shots.mu.Lock()
	c.shots.n++
	file := filepath.Join(c.shots.dir, fmt.Sprintf("%02d-%s-%s.png", c.shots.n, c.who, name))
	c.shots.mu.Unlock()
	if err := os.WriteFile(file, png, 0o644); err != nil {
		c.t.Fatal(err)
	}
}

// open navigates to a console path (or a full URL) and returns the
// answer's HTTP status.
func (c *chrome) open(path string) int64 {
	c.t.Helper()
	if !strings.HasPrefix(path, "http") {
		path = c.base + path
	}
	ctx, cancel := context.WithTimeout(c.ctx, 30*time.Second)
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(path))
	if err != nil {
		c.fail("open "+path, err)
	}
	return resp.Status
}

// waitJS waits until a JavaScript expression is true of a page loaded to
// its end, across the page loads that happen meanwhile (a form's answer,
// a refresh).
func (c *chrome) waitJS(what, expr string, within time.Duration) {
	c.t.Helper()
	deadline := time.Now().Add(within)
	var last error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(c.ctx, 5*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.readyState === "complete" && (`+expr+`)`))
		cancel()
		if err == nil && ok {
			return
		}
		last = err
		time.Sleep(50 * time.Millisecond)
	}
	c.fail("waiting for "+what, fmt.Errorf("not after %s (last error %v)", within, last))
}

// waitText waits until the page, loaded to its end, says want.
func (c *chrome) waitText(want string, within time.Duration) {
	c.t.Helper()
	c.waitJS(fmt.Sprintf("%q", want), `!!document.body && document.body.innerText.includes(`+jsString(want)+`)`, within)
}

// click clicks what sel selects and waits until a new page (the old one
// is marked first) says want.
func (c *chrome) click(sel, want string) {
	c.t.Helper()
	eval[any](c, `document.documentElement.setAttribute("data-old-page", "1")`)
	c.do("click "+sel, chromedp.Click(chromedp.CSS(sel)))
	c.waitJS(fmt.Sprintf("a new page saying %q", want), `!document.documentElement.hasAttribute("data-old-page") && !!document.body && document.body.innerText.includes(`+jsString(want)+`)`, 30*time.Second)
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// picture is a 64×48 PNG.
func picture(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for x := range 64 {
		for y := range 48 {
			img.Set(x, y, color.RGBA{uint8(4 * x), uint8(5 * y), 200, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// downloads makes the context's downloads land in a new directory.
func (c *chrome) downloads() string {
	c.t.Helper()
	dir := c.t.TempDir()
	cc := chromedp.FromContext(c.ctx)
	ctx, cancel := context.WithTimeout(c.ctx, 10*time.Second)
	defer cancel()
	if _, err := cdp.Call(ctx, cc.Browser, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
		Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir, BrowserContextID: cc.BrowserContextID}); err != nil {
		c.t.Fatal(err)
	}
	return dir
}

// downloaded waits for a file to be downloaded into dir and returns it.
func downloaded(t *testing.T, dir, name string) []byte {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(filepath.Join(dir, name)); err == nil && len(b) > 0 {
			return b
		}
		time.Sleep(50 * time.Millisecond)
	}
	ents, _ := os.ReadDir(dir)
	t.Fatalf("%s not downloaded; the directory has %v", name, ents)
	return nil
}

// TestConsoleInChromium runs the learner's story of the console in a real
// browser: sign in with the keyboard; a bucket; a picture dropped on the
// upload form with a progress bar, with a large file sent as a multipart
// upload; the object URL refused to another browser until Block Public
// Access is off and a public-read policy (after a refused one) is saved,
// then the picture loads there; an IAM user and an access key (the secret
// shown once, its .csv downloaded); "VPC and more" drawn; an instance
// launched where only the chosen VPC's security groups are offered, from
// pending to running by the page's own refresh, stopped, its console
// output read, an image created from it; then the pages at a phone's
// width.
func TestConsoleInChromium(t *testing.T) {
	e := newNetEnv(t)
	ami := minimalAMI(t, e)
	shots := artifacts(t, "console")
	c := newChrome(t, e.URL, shots)

	// Sign in with the keyboard only: the skip link first, then the
	// root form's fields in order, Enter submits.
	if st := c.open("/_console/"); st != 200 {
		t.Fatalf("sign-in page: %d", st)
	}
	c.do("tab to the skip link", chromedp.KeyEvent(kb.Tab))
	if got := eval[string](c, `document.activeElement.textContent`); got != "Skip to main content" {
		t.Fatalf("first Tab stop: %q", got)
	}
	for range 10 {
		if eval[string](c, `document.activeElement.id`) == "access_key_id" {
			break
		}
		c.do("tab", chromedp.KeyEvent(kb.Tab))
	}
	c.do("type the keys", chromedp.KeyEvent("test"), chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent("test"))
	c.shot("signin")
	c.do("enter", chromedp.KeyEvent(kb.Enter))
	c.waitText("General purpose buckets", 10*time.Second)
	if got := eval[string](c, `document.cookie`); got != "" {
		t.Fatalf("the session cookie is readable from JavaScript: %q", got)
	}

	// A bucket, in a region, Block Public Access on.
	c.do("name the bucket", chromedp.SendKeys(chromedp.ID("bucket-name"), "learner-pics"), chromedp.SetValue(chromedp.ID("region"), "eu-west-1"))
	c.click("#create-bucket button[type=submit]", `Successfully created bucket "learner-pics"`)
	if loc, err := e.S3.GetBucketLocation(ctx(), &s3.GetBucketLocationInput{Bucket: aws.String("learner-pics")}); err != nil || loc.LocationConstraint != "eu-west-1" {
		t.Fatalf("the bucket's region: %+v %v", loc, err)
	}
	c.shot("bucket-created")

	// The picture, dropped on the form; its upload's progress, kept in
	// sessionStorage across the page load that follows.
	dir := t.TempDir()
	pic := picture(t)
	big := make([]byte, 20<<20+12345)
	_, _ = rand.Read(big)
	if err := os.WriteFile(filepath.Join(dir, "big.bin"), big, 0o644); err != nil {
		t.Fatal(err)
	}
	c.open("/_console/s3/bucket/learner-pics")
	c.waitText("No objects", 5*time.Second)
	progress := `new MutationObserver(function () {
		sessionStorage.setItem("progress", document.getElementById("upload-progress").value);
	}).observe(document.getElementById("upload-progress"), {attributes: true});`
	eval[any](c, progress)
	eval[any](c, `(function () {
		var bytes = Uint8Array.from(atob(`+jsString(b64(string(pic)))+`), function (ch) { return ch.charCodeAt(0); });
		var dt = new DataTransfer();
		dt.items.add(new File([bytes], "cat.png", {type: "image/png"}));
		var form = document.getElementById("upload-form");
		form.dispatchEvent(new DragEvent("dragenter", {dataTransfer: dt, bubbles: true, cancelable: true}));
		window.__dragging = form.classList.contains("dragging");
		form.dispatchEvent(new DragEvent("drop", {dataTransfer: dt, bubbles: true, cancelable: true}));
		return true;
	})()`)
	if got := eval[int](c, `document.getElementById("files").files.length`); got != 1 {
		t.Fatalf("files after the drop: %d", got)
	}
	if !eval[bool](c, `window.__dragging`) {
		t.Fatal("the form is not highlighted while a file is dragged over it")
	}
	c.shot("dropped")
	c.click("#upload-form button[type=submit]", "Upload succeeded: 1 file(s)")
	if got := eval[string](c, `sessionStorage.getItem("progress")`); got != "100" {
		t.Fatalf("the progress bar ended at %q", got)
	}
	obj, err := e.S3.GetObject(ctx(), &s3.GetObjectInput{Bucket: aws.String("learner-pics"), Key: aws.String("cat.png")})
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(obj.Body)
	obj.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, pic) || aws.ToString(obj.ContentType) != "image/png" {
		t.Fatalf("the uploaded picture: %d bytes, %s", len(got), aws.ToString(obj.ContentType))
	}
	// Many files at once, one of them large: a multipart upload of 8 MiB
	// parts.
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c.do("choose files", chromedp.SetUploadFiles(chromedp.ID("files"), []string{filepath.Join(dir, "notes.txt"), filepath.Join(dir, "big.bin")}))
	c.click("#upload-form button[type=submit]", "Upload succeeded: 2 file(s)")
	head, err := e.S3.HeadObject(ctx(), &s3.HeadObjectInput{Bucket: aws.String("learner-pics"), Key: aws.String("big.bin")})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(aws.ToString(head.ETag), `-3"`) || aws.ToInt64(head.ContentLength) != int64(len(big)) {
		t.Fatalf("big.bin: ETag %s, %d bytes: not a 3-part upload", aws.ToString(head.ETag), aws.ToInt64(head.ContentLength))
	}
	c.shot("objects")

	// Its object URL, in a browser that never signed in: AccessDenied.
	c.open("/_console/s3/object/learner-pics/cat.png")
	objURL := eval[string](c, `document.getElementById("object-url").href`)
	anon := c.incognito("anonymous")
	if st := anon.open(objURL); st != 403 {
		t.Fatalf("anonymous GET before: %d", st)
	}
	if code := eval[string](anon, `document.getElementsByTagName("Code")[0].textContent`); code != "AccessDenied" {
		t.Fatalf("anonymous error code: %q", code)
	}
	anon.shot("access-denied")

	// Permissions: Block Public Access is on, with AWS's warning.
	c.open("/_console/s3/bucket/learner-pics/permissions")
	if st := eval[string](c, `document.getElementById("bpa-status").textContent`); st != "On" {
		t.Fatalf("Block Public Access: %s", st)
	}
	c.waitText("Turning off block all public access might result in this bucket and the objects within becoming public.", time.Second)
	for _, name := range []string{"BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"} {
		c.do("untick "+name, chromedp.Click(chromedp.CSS(`#bpa-form input[name=`+name+`]`)))
	}
	c.click("#bpa-save", "To turn off Block Public Access, acknowledge")
	if st := eval[string](c, `document.getElementById("bpa-status").textContent`); st != "On" {
		t.Fatalf("Block Public Access after a save without the acknowledgement: %s", st)
	}
	for _, name := range []string{"BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"} {
		c.do("untick "+name, chromedp.Click(chromedp.CSS(`#bpa-form input[name=`+name+`]`)))
	}
	c.do("acknowledge", chromedp.Click(chromedp.ID("bpa-ack")))
	c.shot("bpa-off")
	c.click("#bpa-save", "Successfully edited Block Public Access")
	if st := eval[string](c, `document.getElementById("bpa-status").textContent`); st != "Off" {
		t.Fatalf("Block Public Access after the save: %s", st)
	}
	// A policy with a mistake, then the right one.
	bad := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::other-bucket/*"}]}`
	c.do("write a policy", chromedp.SetValue(chromedp.ID("policy"), bad))
	c.click("#policy-save", "Policy has invalid resource")
	c.waitText("MalformedPolicy", time.Second)
	c.shot("policy-refused")
	if st := anon.open(objURL); st != 403 {
		t.Fatalf("anonymous GET after a refused policy: %d", st)
	}
	good := `{"Version":"2012-10-17","Statement":[{"Sid":"PublicRead","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::learner-pics/*"}]}`
	c.do("fix the policy", chromedp.SetValue(chromedp.ID("policy"), good))
	c.click("#policy-save", "Successfully edited bucket policy.")
	c.waitText("Publicly accessible", time.Second)
	c.shot("policy-saved")
	// The picture loads in the other browser now.
	if st := anon.open(objURL); st != 200 {
		t.Fatalf("anonymous GET after the policy: %d", st)
	}
	anon.waitJS("the picture", `document.images.length === 1 && document.images[0].complete && document.images[0].naturalWidth === 64 && document.images[0].naturalHeight === 48`, 5*time.Second)
	anon.shot("picture")
	c.open("/_console/s3")
	c.waitText("⚠ Public", time.Second)
	c.shot("buckets-public")

	// An IAM user with an access key for an IDE: the secret shown once,
	// the .csv downloaded once.
	dl := c.downloads()
	c.open("/_console/iam/users")
	c.do("name the user", chromedp.SendKeys(chromedp.ID("user-name"), "ide"))
	c.click("#create-user button[type=submit]", "User ide created.")
	c.click("#create-key", "Secret access key")
	keyID := eval[string](c, `document.getElementById("new-key-id").textContent`)
	secret := eval[string](c, `document.getElementById("new-key-secret").textContent`)
	c.shot("access-key")
	c.do("download the .csv", chromedp.Click(chromedp.ID("download-csv")))
	csv := string(downloaded(t, dl, "ide_accessKeys.csv"))
	if !strings.Contains(csv, keyID+","+secret) {
		t.Fatalf("the .csv: %q", csv)
	}
	if _, err := e.sts(keyID, secret, "").GetCallerIdentity(ctx(), nil); err != nil {
		t.Fatalf("the new key from the page: %v", err)
	}
	c.open("/_console/iam/users/ide")
	if strings.Contains(eval[string](c, `document.body.innerText`), secret) {
		t.Fatal("the secret is shown a second time")
	}
	if st := c.open("/_console/iam/users/ide/keys/" + keyID + "/csv"); st != 410 {
		t.Fatalf("the .csv a second time: %d", st)
	}

	// VPC and more: two AZs, public and private subnets, a NAT gateway;
	// the drawing.
	c.open("/_console/vpc")
	c.do("fill VPC and more", chromedp.SetValue(chromedp.ID("vpc-name"), "story"), chromedp.SetValue(chromedp.ID("cidr"), "10.30.0.0/16"),
		chromedp.SetValue(chromedp.ID("azs"), "2"), chromedp.SetValue(chromedp.ID("nat"), "1"))
	if !eval[bool](c, `document.querySelector("#vpc-and-more input[name=private]").checked`) {
		t.Fatal("private subnets are not offered by default")
	}
	c.click("#create-vpc", "You successfully created")
	vpc := eval[string](c, `document.querySelector("h1").textContent.split(" ")[0]`)
	if !strings.HasPrefix(vpc, "vpc-") {
		t.Fatalf("the new VPC's page: %q", vpc)
	}
	drawing := eval[string](c, `document.getElementById("vpc-map").textContent`)
	for _, want := range []string{"Public subnet 10.30.0.0/20", "Public subnet 10.30.16.0/20", "Private subnet 10.30.128.0/20", "Private subnet 10.30.144.0/20", "igw-", "nat-"} {
		if !strings.Contains(drawing, want) {
			t.Fatalf("the drawing lacks %q:\n%s", want, drawing)
		}
	}
	if n := eval[int](c, `document.querySelectorAll("#vpc-map .route").length`); n < 2 {
		t.Fatalf("route arrows in the drawing: %d", n)
	}
	if w := eval[float64](c, `document.getElementById("vpc-map").getBoundingClientRect().width`); w < 600 {
		t.Fatalf("the drawing is %v px wide at 1280", w)
	}
	c.shot("vpc-drawing")

	// Launch into it: only its security groups are offered.
	other, err := e.EC2.CreateVpc(ctx(), &ec2.CreateVpcInput{CidrBlock: aws.String("10.31.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.EC2.CreateSecurityGroup(ctx(), &ec2.CreateSecurityGroupInput{GroupName: aws.String("elsewhere"), Description: aws.String("x"), VpcId: other.Vpc.VpcId}); err != nil {
		t.Fatal(err)
	}
	web, err := e.EC2.CreateSecurityGroup(ctx(), &ec2.CreateSecurityGroupInput{GroupName: aws.String("web"), Description: aws.String("web"), VpcId: aws.String(vpc)})
	if err != nil {
		t.Fatal(err)
	}
	sgs, err := e.EC2.DescribeSecurityGroups(ctx(), &ec2.DescribeSecurityGroupsInput{Filters: []ec2types.Filter{{Name: aws.String("vpc-id"), Values: []string{vpc}}}})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, g := range sgs.SecurityGroups {
		want = append(want, *g.GroupId)
	}
	c.open("/_console/ec2/launch")
	c.do("choose the VPC", chromedp.SetValue(chromedp.ID("vpc"), vpc))
	c.do("choose", chromedp.Click(chromedp.CSS("#choose-vpc button")))
	c.waitJS("the launch form for "+vpc, `document.querySelector("#launch-form input[name=vpc]").value === `+jsString(vpc), 10*time.Second)
	var offered []string
	if err := json.Unmarshal([]byte(eval[string](c, `JSON.stringify(Array.from(document.querySelectorAll("#groups input[name=group]"), function (e) { return e.value; }))`)), &offered); err != nil {
		t.Fatal(err)
	}
	slices.Sort(offered)
	slices.Sort(want)
	if !slices.Equal(offered, want) || len(want) != 2 {
		t.Fatalf("security groups offered for %s: %v, want %v", vpc, offered, want)
	}
	subnet := eval[string](c, `Array.from(document.querySelectorAll("#subnet option")).find(function (o) { return o.textContent.includes("10.30.0.0/20"); }).value`)
	c.do("fill the launch form",
		chromedp.SendKeys(chromedp.ID("inst-name"), "web"),
		chromedp.SetValue(chromedp.ID("image"), ami),
		chromedp.SetValue(chromedp.ID("type"), "t3.micro"),
		chromedp.SendKeys(chromedp.ID("new-key"), "story-key"),
		chromedp.SetValue(chromedp.ID("subnet"), subnet),
		chromedp.Click(chromedp.CSS(`#groups input[value="`+*web.GroupId+`"]`)),
		chromedp.SetValue(chromedp.ID("user-data"), "#!/bin/sh\necho hello from user data\n"))
	c.shot("launch")
	c.click("#launch-submit", "Successfully initiated launch of instance")
	id := eval[string](c, `document.querySelector("#instances tr[data-id]").dataset.id`)
	row := `document.querySelector('#instances tr[data-id="` + id + `"] .state').textContent`
	if st := eval[string](c, row); st != "pending" {
		t.Fatalf("just launched: %s", st)
	}
	c.shot("pending")
	// The .pem, downloaded once.
	c.do("download the .pem", chromedp.Click(chromedp.ID("download-pem")))
	if pem := downloaded(t, dl, "story-key.pem"); !bytes.Contains(pem, []byte("PRIVATE KEY")) {
		t.Fatalf("the .pem: %q", pem)
	}
	// The page refreshes itself until the instance runs.
	c.waitJS(id+" running", row+` === "running"`, 60*time.Second)
	inst := e.instance(t, id)
	if aws.ToString(inst.SubnetId) != subnet || len(inst.SecurityGroups) != 2 || aws.ToString(inst.KeyName) != "story-key" {
		t.Fatalf("the instance: subnet %s, groups %v, key %s", aws.ToString(inst.SubnetId), inst.SecurityGroups, aws.ToString(inst.KeyName))
	}
	c.shot("running")
	c.open("/_console/vpc/" + vpc)
	c.waitText(id+" web · running", time.Second)
	c.waitText(aws.ToString(inst.PrivateIpAddress), time.Second)
	c.shot("vpc-with-instance")

	// Stop it; read its console output; create an image from it.
	c.open("/_console/ec2/instances")
	c.click(`#instances tr[data-id="`+id+`"] button.stop`, "Successfully stopped "+id)
	c.waitJS(id+" stopped", row+` === "stopped"`, 60*time.Second)
	c.shot("stopped")
	c.open("/_console/ec2/instances/" + id + "/console")
	c.waitText("hello from user data", time.Second)
	c.shot("console-output")
	c.open("/_console/ec2/instances")
	c.do("name the image", chromedp.SendKeys(chromedp.ID("img-"+id), "story-image"))
	c.click(`#instances tr[data-id="`+id+`"] form.image button`, "is being created from "+id)
	imgs, err := e.EC2.DescribeImages(ctx(), &ec2.DescribeImagesInput{Owners: []string{"self"}})
	if err != nil || len(imgs.Images) != 1 || aws.ToString(imgs.Images[0].Name) != "story-image" {
		t.Fatalf("images: %+v %v", imgs, err)
	}
	img := aws.ToString(imgs.Images[0].ImageId)
	c.open("/_console/ec2/images")
	c.waitText(img, time.Second)
	c.shot("images")

	// A phone's width: nothing wider than the screen.
	c.do("a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	for _, p := range []string{"/_console/s3", "/_console/s3/bucket/learner-pics/permissions", "/_console/ec2/instances", "/_console/ec2/launch", "/_console/vpc/" + vpc, "/_console/iam/users/ide"} {
		c.open(p)
		if w := eval[float64](c, `document.documentElement.scrollWidth`); w > 390 {
			c.shot("phone-too-wide")
			t.Fatalf("%s is %v px wide on a 390 px screen", p, w)
		}
		c.shot("phone" + strings.ReplaceAll(strings.TrimPrefix(p, "/_console"), "/", "-"))
	}
	// Stacked rows name their columns.
	c.open("/_console/ec2/instances")
	if got := eval[string](c, `getComputedStyle(document.querySelector("#instances td.state"), "::before").content`); got != `"Instance state: "` {
		t.Fatalf("a stacked cell's label at a phone's width: %s", got)
	}
	c.do("a desktop", chromedp.EmulateViewport(1280, 800))

	// Terminate from the console; the AMI and its snapshot through the
	// API, so that the Engine is left clean.
	c.open("/_console/ec2/instances")
	c.click(`#instances tr[data-id="`+id+`"] button.danger`, "Successfully terminated "+id)
	w := ec2.NewInstanceTerminatedWaiter(e.EC2, func(o *ec2.InstanceTerminatedWaiterOptions) { o.MinDelay = 200 * time.Millisecond })
	if err := w.Wait(ctx(), &ec2.DescribeInstancesInput{InstanceIds: []string{id}}, 60*time.Second); err != nil {
		t.Fatal(err)
	}
	iw := ec2.NewImageAvailableWaiter(e.EC2, func(o *ec2.ImageAvailableWaiterOptions) { o.MinDelay = 200 * time.Millisecond })
	if err := iw.Wait(ctx(), &ec2.DescribeImagesInput{ImageIds: []string{img}}, 60*time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := e.EC2.DeregisterImage(ctx(), &ec2.DeregisterImageInput{ImageId: aws.String(img)}); err != nil {
		t.Fatal(err)
	}
	for _, m := range imgs.Images[0].BlockDeviceMappings {
		if m.Ebs != nil && m.Ebs.SnapshotId != nil {
			if _, err := e.EC2.DeleteSnapshot(ctx(), &ec2.DeleteSnapshotInput{SnapshotId: m.Ebs.SnapshotId}); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Logf("screenshots in %s", shots)
}
