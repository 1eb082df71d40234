package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/mts-krx/mts/api"
	"github.com/mts-krx/mts/risk"
)

// writeSelfSigned writes a throwaway certificate for 127.0.0.1 and its key.
func writeSelfSigned(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	return certFile, keyFile
}

// TestServeTLS: with a certificate the same listener serves wss:// and
// https:// only.
func TestServeTLS(t *testing.T) {
	dir := t.TempDir()
	cert, key := writeSelfSigned(t, dir)
	ins, _ := loadInstrumentFile("")
	rc := risk.DefaultConfig()
	n, err := startNode(context.Background(), nodeOptions{
		Engine: true, Gateway: true, DataDir: filepath.Join(dir, "data"), Instruments: ins, Risk: &rc,
		HTTPAddr: "127.0.0.1:0", TLSCert: cert, TLSKey: key, Secret: e2eSecret, Accounts: []string{"A1"},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if !strings.HasPrefix(n.URL("ws"), "wss://") {
		t.Fatalf("URL %s", n.URL("ws"))
	}
	insecure := &tls.Config{InsecureSkipVerify: true}
	resp, err := (&http.Client{Transport: &http.Transport{TLSClientConfig: insecure}}).Get(n.URL("") + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("https /healthz: %v %v", resp, err)
	}
	resp.Body.Close()
	tok, _ := api.IssueToken(e2eSecret, "A1", api.RoleTrader, time.Minute, time.Now())
	d := websocket.Dialer{TLSClientConfig: insecure}
	ws, _, err := d.Dial(n.URL("ws")+"/ws", http.Header{"Authorization": {"Bearer " + tok}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	ws.WriteMessage(websocket.TextMessage, []byte(`{"id":1,"method":"account.balance"}`))
	ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, msg, err := ws.ReadMessage()
	if err != nil || !strings.Contains(string(msg), `"status":200`) {
		t.Fatalf("balance over wss: %s %v", msg, err)
	}
}
