// Drag and drop and a progress bar for the upload form; without
// JavaScript the form works as a plain multi-file upload.
(function () {
  var form = document.getElementById("upload-form");
  if (!form) return;
  var input = document.getElementById("files");
  var bar = document.getElementById("upload-progress");
  ["dragenter", "dragover"].forEach(function (t) {
    form.addEventListener(t, function (e) { e.preventDefault(); form.classList.add("dragging"); });
  });
  ["dragleave", "drop"].forEach(function (t) {
    form.addEventListener(t, function () { form.classList.remove("dragging"); });
  });
  form.addEventListener("drop", function (e) {
    e.preventDefault();
    if (e.dataTransfer && e.dataTransfer.files.length) input.files = e.dataTransfer.files;
  });
  form.addEventListener("submit", function (e) {
    if (!window.FormData || !window.XMLHttpRequest) return;
    e.preventDefault();
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    bar.hidden = false;
    xhr.upload.onprogress = function (ev) { if (ev.lengthComputable) bar.value = Math.round(100 * ev.loaded / ev.total); };
    // The answer is the page the upload redirected to, with its message
    // (shown once): show it as it is, at its address.
    xhr.onload = function () {
      if (xhr.responseURL) history.replaceState(null, "", xhr.responseURL);
      document.open();
      document.write(xhr.responseText);
      document.close();
    };
    xhr.onerror = function () { form.submit(); };
    xhr.send(new FormData(form));
  });
})();
