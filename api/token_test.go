package api

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

var (
	testSecret = []byte("0123456789abcdef0123456789abcdef") // 32 bytes
	testNow    = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
)

func TestTokenRoundTrip(t *testing.T) {
	for _, role := range []string{RoleTrader, RoleBackOffice, RoleOperator} {
		tok, err := IssueToken(testSecret, "A1", role, 15*time.Minute, testNow)
		if err != nil {
			t.Fatalf("IssueToken(%s): %v", role, err)
		}
		c, err := VerifyToken(testSecret, tok, testNow.Add(14*time.Minute))
		if err != nil {
			t.Fatalf("VerifyToken(%s): %v", role, err)
		}
		want := Claims{Subject: "A1", Role: role, IssuedAt: testNow, ExpiresAt: testNow.Add(15 * time.Minute)}
		if !c.IssuedAt.Equal(want.IssuedAt) || !c.ExpiresAt.Equal(want.ExpiresAt) || c.Subject != want.Subject || c.Role != want.Role {
			t.Errorf("VerifyToken(%s) = %+v, want %+v", role, c, want)
		}
		if got, want := c.CanReadJournal(), role != RoleTrader; got != want {
			t.Errorf("role %s: CanReadJournal = %v, want %v", role, got, want)
		}
	}
}

func TestTokenPayload(t *testing.T) {
	tok, err := IssueToken(testSecret, "ops1", RoleOperator, time.Hour, testNow)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(tok, ".")
	head, _ := base64.RawURLEncoding.DecodeString(parts[0])
	body, _ := base64.RawURLEncoding.DecodeString(parts[1])
	if got, want := string(head), `{"alg":"HS256","typ":"JWT"}`; got != want {
		t.Errorf("header %s, want %s", got, want)
	}
	if got, want := string(body), `{"role":"operator","sub":"ops1","exp":1795600800,"iat":1795597200}`; got != want {
		t.Errorf("payload %s, want %s", got, want)
	}
}

func TestIssueTokenRefuses(t *testing.T) {
	tests := []struct {
		name   string
		secret []byte
		sub    string
		role   string
		ttl    time.Duration
		want   error
	}{
		{"short secret", testSecret[:31], "A1", RoleTrader, time.Minute, ErrWeakSecret},
		{"no subject", testSecret, "", RoleTrader, time.Minute, ErrTokenClaims},
		{"long subject", testSecret, strings.Repeat("x", MaxSubjectLen+1), RoleTrader, time.Minute, ErrTokenClaims},
		{"unknown role", testSecret, "A1", "admin", time.Minute, ErrTokenClaims},
		{"zero ttl", testSecret, "A1", RoleTrader, 0, ErrTokenClaims},
		{"negative ttl", testSecret, "A1", RoleTrader, -time.Minute, ErrTokenClaims},
	}
	for _, tt := range tests {
		if _, err := IssueToken(tt.secret, tt.sub, tt.role, tt.ttl, testNow); !errors.Is(err, tt.want) {
			t.Errorf("%s: IssueToken error %v, want %v", tt.name, err, tt.want)
		}
	}
}

// sign makes a token with arbitrary claims and method, for the cases
// IssueToken refuses to make.
func sign(t *testing.T, m jwt.SigningMethod, key any, claims jwt.MapClaims) string {
	t.Helper()
	tok, err := jwt.NewWithClaims(m, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestVerifyTokenRefuses(t *testing.T) {
	good, err := IssueToken(testSecret, "B1", RoleBackOffice, time.Minute, testNow)
	if err != nil {
		t.Fatal(err)
	}
	iat, exp := testNow.Unix(), testNow.Add(time.Minute).Unix()
	claims := func(drop string, extra ...any) jwt.MapClaims {
		c := jwt.MapClaims{"sub": "B1", "role": RoleBackOffice, "iat": iat, "exp": exp}
		delete(c, drop)
		for i := 0; i+1 < len(extra); i += 2 {
			c[extra[i].(string)] = extra[i+1]
		}
		return c
	}
	parts := strings.Split(good, ".")
	sig := []byte(parts[2])
	sig[3] ^= 1 // still base64, different MAC
	tampered := parts[0] + "." + parts[1] + "." + string(sig)
	otherBody := base64.RawURLEncoding.EncodeToString([]byte(`{"role":"operator","sub":"B1","exp":1795597260,"iat":1795597200}`))
	noneHeader := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))

	tests := []struct {
		name string
		tok  string
		now  time.Time
		want error
	}{
		{"empty", "", testNow, ErrTokenMalformed},
		{"garbage", "not.a.token", testNow, ErrTokenMalformed},
		{"two segments", parts[0] + "." + parts[1], testNow, ErrTokenMalformed},
		{"too long", strings.Repeat("a", MaxTokenLen+1), testNow, ErrTokenMalformed},
		{"tampered signature", tampered, testNow, ErrTokenSignature},
		{"tampered payload", parts[0] + "." + otherBody + "." + parts[2], testNow, ErrTokenSignature},
		{"other secret", sign(t, jwt.SigningMethodHS256, []byte("another secret of thirty-two bytes!"), claims("")), testNow, ErrTokenSignature},
		{"alg none", sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claims("")), testNow, ErrTokenAlgorithm},
		{"alg none, hand-made", noneHeader + "." + parts[1] + ".", testNow, ErrTokenAlgorithm},
		{"HS512", sign(t, jwt.SigningMethodHS512, testSecret, claims("")), testNow, ErrTokenAlgorithm},
		{"HS384", sign(t, jwt.SigningMethodHS384, testSecret, claims("")), testNow, ErrTokenAlgorithm},
		{"unknown alg", base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"XX1","typ":"JWT"}`)) + "." + parts[1] + "." + parts[2], testNow, ErrTokenAlgorithm},
		{"expired at exp", good, testNow.Add(time.Minute), ErrTokenExpired},
		{"expired after exp", good, testNow.Add(time.Hour), ErrTokenExpired},
		{"issued in the future", good, testNow.Add(-time.Second), ErrTokenNotYetValid},
		{"nbf in the future", sign(t, jwt.SigningMethodHS256, testSecret, claims("", "nbf", exp)), testNow, ErrTokenNotYetValid},
		{"no exp", sign(t, jwt.SigningMethodHS256, testSecret, claims("exp")), testNow, ErrTokenClaims},
		{"no iat", sign(t, jwt.SigningMethodHS256, testSecret, claims("iat")), testNow, ErrTokenClaims},
		{"no sub", sign(t, jwt.SigningMethodHS256, testSecret, claims("sub")), testNow, ErrTokenClaims},
		{"no role", sign(t, jwt.SigningMethodHS256, testSecret, claims("role")), testNow, ErrTokenClaims},
		{"unknown role", sign(t, jwt.SigningMethodHS256, testSecret, claims("", "role", "root")), testNow, ErrTokenClaims},
		{"exp a string", sign(t, jwt.SigningMethodHS256, testSecret, claims("", "exp", "tomorrow")), testNow, ErrTokenMalformed},
	}
	for _, tt := range tests {
		_, err := VerifyToken(testSecret, tt.tok, tt.now)
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: VerifyToken error %v, want %v", tt.name, err, tt.want)
		}
	}
	if _, err := VerifyToken(testSecret[:16], good, testNow); !errors.Is(err, ErrWeakSecret) {
		t.Errorf("VerifyToken with a 16-byte secret: error %v, want %v", err, ErrWeakSecret)
	}
	if _, err := VerifyToken(testSecret, good, testNow.Add(59*time.Second)); err != nil {
		t.Errorf("VerifyToken one second before exp: %v, want nil", err)
	}
}
