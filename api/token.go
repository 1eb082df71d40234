package api

import (
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Roles a token may carry. A role says what its holder may do, whatever the
// subject:
//
//	trader      place, amend and cancel its own account's orders (sub = the account)
//	backoffice  read the journal: every command and every execution report
//	operator    what backoffice may, and (later) the kill switch and other admin methods
const (
	RoleTrader     = "trader"
	RoleBackOffice = "backoffice"
	RoleOperator   = "operator"
)

// Token limits. A token is an HS256 JWT; the secret is shared by whoever
// issues tokens (`mts token`, a login service) and every server that
// checks them.
const (
	// MinSecretLen is the shortest secret IssueToken and VerifyToken accept:
	// 256 bits, the size of HS256's output. A shorter secret makes the MAC
	// only as strong as the secret.
	MinSecretLen = 32
	// MaxTokenLen bounds the token text VerifyToken will look at. A token
	// of ours is about 200 bytes; anything near this is not one.
	MaxTokenLen = 4096
	// MaxSubjectLen bounds the sub claim.
	MaxSubjectLen = 64
)

// Stable errors of IssueToken and VerifyToken. VerifyToken wraps exactly one
// of them (errors.Is) with detail for logs; a server answers 401 for all of
// them and never tells the client which.
var (
	ErrWeakSecret       = errors.New("api: token secret shorter than 32 bytes")
	ErrTokenMalformed   = errors.New("api: token malformed")
	ErrTokenAlgorithm   = errors.New("api: token algorithm is not HS256")
	ErrTokenSignature   = errors.New("api: token signature invalid")
	ErrTokenExpired     = errors.New("api: token expired")
	ErrTokenNotYetValid = errors.New("api: token not valid yet")
	ErrTokenClaims      = errors.New("api: token claims missing or invalid")
)

// Claims are what a verified token says. Times are whole seconds (JWT's
// NumericDate).
type Claims struct {
	Subject   string    // sub: the account (trader) or the operator's name
	Role      string    // role: RoleTrader, RoleBackOffice or RoleOperator
	IssuedAt  time.Time // iat
	ExpiresAt time.Time // exp: the token is refused from this second on
}

// CanReadJournal reports whether the role may read the journal.
func (c Claims) CanReadJournal() bool {
	return c.Role == RoleBackOffice || c.Role == RoleOperator
}

// ValidRole reports whether role is one of the three roles.
func ValidRole(role string) bool {
	return role == RoleTrader || role == RoleBackOffice || role == RoleOperator
}

// tokenClaims is the JWT payload: {"role", "sub", "exp", "iat"}.
type tokenClaims struct {
	Role string `json:"role"`
	jwt.RegisteredClaims
}

// IssueToken returns an HS256 JWT for sub in role, issued at now and
// expiring ttl later (rounded down to the second).
func IssueToken(secret []byte, sub, role string, ttl time.Duration, now time.Time) (string, error) {
	switch {
	case len(secret) < MinSecretLen:
		return "", ErrWeakSecret
	case sub == "" || len(sub) > MaxSubjectLen:
		return "", fmt.Errorf("%w: sub must be 1 to %d bytes", ErrTokenClaims, MaxSubjectLen)
	case !ValidRole(role):
		return "", fmt.Errorf("%w: role %q is not %s, %s or %s", ErrTokenClaims, role, RoleTrader, RoleBackOffice, RoleOperator)
	case ttl < time.Second:
		return "", fmt.Errorf("%w: ttl %v is under a second", ErrTokenClaims, ttl)
	}
	c := tokenClaims{Role: role, RegisteredClaims: jwt.RegisteredClaims{
		Subject:   sub,
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
	}}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(secret)
}

// VerifyToken checks tok's signature with secret and its claims at now, and
// returns them. It accepts HS256 only: "none" and every other algorithm,
// including the other HMACs and any public-key algorithm (whose "public
// key" an attacker would make the secret), are ErrTokenAlgorithm. exp, iat,
// sub and a known role are required; there is no leeway: a token is expired
// from its exp second on and not valid before its iat (or nbf) second.
func VerifyToken(secret []byte, tok string, now time.Time) (Claims, error) {
	if len(secret) < MinSecretLen {
		return Claims{}, ErrWeakSecret
	}
	if tok == "" || len(tok) > MaxTokenLen {
		return Claims{}, fmt.Errorf("%w: %d bytes", ErrTokenMalformed, len(tok))
	}
	p := jwt.NewParser(
		jwt.WithExpirationRequired(), jwt.WithIssuedAt(), jwt.WithLeeway(0),
		jwt.WithTimeFunc(func() time.Time { return now }),
	)
	var c tokenClaims
	_, err := p.ParseWithClaims(tok, &c, func(t *jwt.Token) (any, error) {
		// Checked here rather than with jwt.WithValidMethods so that a
		// wrong algorithm has an error of its own.
		if t.Method != jwt.SigningMethodHS256 {
			return nil, fmt.Errorf("%w: %v", ErrTokenAlgorithm, t.Header["alg"])
		}
		return secret, nil
	})
	if err != nil {
		return Claims{}, tokenError(err)
	}
	return checkClaims(&c)
}

// checkClaims applies the claims jwt does not know to require.
func checkClaims(c *tokenClaims) (Claims, error) {
	switch {
	case c.IssuedAt == nil:
		return Claims{}, fmt.Errorf("%w: no iat", ErrTokenClaims)
	case c.Subject == "" || len(c.Subject) > MaxSubjectLen:
		return Claims{}, fmt.Errorf("%w: sub must be 1 to %d bytes", ErrTokenClaims, MaxSubjectLen)
	case !ValidRole(c.Role):
		return Claims{}, fmt.Errorf("%w: unknown role %q", ErrTokenClaims, c.Role)
	}
	return Claims{Subject: c.Subject, Role: c.Role, IssuedAt: c.IssuedAt.Time, ExpiresAt: c.ExpiresAt.Time}, nil
}

// tokenError maps jwt's errors onto the stable ones. The order matters:
// jwt joins several errors, and the most specific wins.
func tokenError(err error) error {
	var stable error
	switch {
	case errors.Is(err, ErrTokenAlgorithm):
		return err // from the key function, already ours
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		stable = ErrTokenAlgorithm // an alg jwt does not know
	case errors.Is(err, jwt.ErrTokenMalformed):
		stable = ErrTokenMalformed
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		stable = ErrTokenSignature
	case errors.Is(err, jwt.ErrTokenExpired):
		stable = ErrTokenExpired
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued), errors.Is(err, jwt.ErrTokenNotValidYet):
		stable = ErrTokenNotYetValid
	default:
		stable = ErrTokenClaims
	}
	return fmt.Errorf("%w (%v)", stable, err)
}
