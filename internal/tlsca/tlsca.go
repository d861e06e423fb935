// Package tlsca is gureum's local certificate authority: made on first
// start in the data directory, it signs the certificate gureum serves
// HTTPS with (localhost, the S3 virtual-host and website names, the
// loopback addresses). Clients trust it with AWS_CA_BUNDLE or the
// system's store; its key never leaves the data directory.
package tlsca

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// Files are the CA's and the server's files in dir.
type Files struct{ Dir string }

// CA is the CA certificate's path, the one clients trust.
func (f Files) CA() string            { return filepath.Join(f.Dir, "ca.pem") }
func (f Files) caKey() string         { return filepath.Join(f.Dir, "ca-key.pem") }
func (f Files) server() string        { return filepath.Join(f.Dir, "server.pem") }
func (f Files) serverKey() string     { return filepath.Join(f.Dir, "server-key.pem") }
func (f Files) Exists() bool          { _, err := os.Stat(f.CA()); return err == nil }
func (f Files) String() string        { return f.CA() }
func dirOf(dataDir string) string     { return filepath.Join(dataDir, "tls") }
func ForDataDir(dataDir string) Files { return Files{Dir: dirOf(dataDir)} }

// Names is what the server certificate covers for a region.
func Names(region string) (dns []string, ips []net.IP) {
	dns = []string{"localhost", "*.localhost", "s3.localhost", "*.s3.localhost", "*.s3-website.localhost",
		"*.s3-website-" + region + ".localhost", "*.s3-website." + region + ".localhost"}
	ips = []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
	return dns, ips
}

// Ensure returns the server certificate, making the CA on first use and
// the server certificate whenever it is missing, names other hosts, or
// expires within 30 days.
func Ensure(files Files, region string, now time.Time) (tls.Certificate, error) {
	if err := os.MkdirAll(files.Dir, 0o700); err != nil {
		return tls.Certificate{}, err
	}
	caCert, caKey, err := loadOrMakeCA(files, now)
	if err != nil {
		return tls.Certificate{}, err
	}
	dns, ips := Names(region)
	if c, err := tls.LoadX509KeyPair(files.server(), files.serverKey()); err == nil {
		if leaf, err := x509.ParseCertificate(c.Certificate[0]); err == nil && now.Add(30*24*time.Hour).Before(leaf.NotAfter) &&
			slices.Equal(leaf.DNSNames, dns) && leaf.CheckSignatureFrom(caCert) == nil {
			return c, nil
		}
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{SerialNumber: serial(), Subject: pkix.Name{CommonName: "gureum (localhost)"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(397 * 24 * time.Hour), DNSNames: dns, IPAddresses: ips,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		return tls.Certificate{}, err
	}
	if err := writePEM(files.server(), "CERTIFICATE", der, 0o644); err != nil {
		return tls.Certificate{}, err
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return tls.Certificate{}, err
	}
	if err := writePEM(files.serverKey(), "EC PRIVATE KEY", kder, 0o600); err != nil {
		return tls.Certificate{}, err
	}
	return tls.LoadX509KeyPair(files.server(), files.serverKey())
}

func loadOrMakeCA(files Files, now time.Time) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	if cb, err := os.ReadFile(files.CA()); err == nil {
		kb, err := os.ReadFile(files.caKey())
		if err != nil {
			return nil, nil, fmt.Errorf("tlsca: %s exists but its key does not: %w", files.CA(), err)
		}
		cblock, _ := pem.Decode(cb)
		kblock, _ := pem.Decode(kb)
		if cblock == nil || kblock == nil {
			return nil, nil, errors.New("tlsca: the CA files are not PEM")
		}
		cert, err := x509.ParseCertificate(cblock.Bytes)
		if err != nil {
			return nil, nil, err
		}
		key, err := x509.ParseECPrivateKey(kblock.Bytes)
		if err != nil {
			return nil, nil, err
		}
		return cert, key, nil
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	host, _ := os.Hostname()
	tmpl := &x509.Certificate{SerialNumber: serial(), Subject: pkix.Name{CommonName: "gureum local CA (" + host + ")", Organization: []string{"gureum"}},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(10 * 365 * 24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		MaxPathLenZero: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	if err := writePEM(files.caKey(), "EC PRIVATE KEY", kder, 0o600); err != nil {
		return nil, nil, err
	}
	if err := writePEM(files.CA(), "CERTIFICATE", der, 0o644); err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	return cert, key, err
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	return n
}

// writePEM writes a PEM file atomically (temp file, fsync, rename).
func writePEM(path, typ string, der []byte, mode os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return err
	}
	if err := pem.Encode(f, &pem.Block{Type: typ, Bytes: der}); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
