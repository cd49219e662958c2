package access

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/gorilla/securecookie"
)

// DefaultCookieName is the session cookie's name when the manager sets none.
const DefaultCookieName = "weir_session"

// loginCookieName holds one login's state, nonce, PKCE verifier and return
// URL between the redirect to the provider and the callback.
const loginCookieName = "weir_login"

// loginTTL bounds a login: time to type a password at the provider.
const loginTTL = 10 * time.Minute

// session is what the session cookie holds, signed (HMAC-SHA256) and
// encrypted (AES-256): the user as the login named them. ID tells sessions
// apart for the decision cache.
type session struct {
	ID     string   `json:"i"`
	User   string   `json:"u"`
	Groups []string `json:"g,omitempty"` // sorted, unique
	Issuer string   `json:"iss"`
	Exp    int64    `json:"e"` // unix seconds
}

// login is what the login cookie holds.
type login struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	Return   string `json:"r"`
}

// maxCookie is what browsers keep of one cookie, name and attributes
// included; a session with more groups than fit is refused at login.
const maxCookie = 4000

// codec signs and encrypts cookies. The value a cookie is encoded under
// binds it to its use and manager, so neither a login cookie nor another
// manager's session passes as a session here.
// Decoded sessions are kept by their cookie's exact value: verifying
// and decrypting costs more than the rest of a cached decision.
type codec struct {
	sc      *securecookie.SecureCookie
	decoded *ttlCache[sessionKey, *session]
}

type sessionKey struct{ manager, value string }

// decodedTTL bounds how long a decoded session is kept (its expiry is
// checked on every request all the same).
const decodedTTL = time.Minute

func newCodec(k *Keys) codec {
	sc := securecookie.New(k.SessionHash, k.SessionBlock)
	sc.SetSerializer(securecookie.JSONEncoder{})
	sc.MaxAge(7*24*3600 + 3600) // the API's longest session; each one's own end is session.Exp
	sc.MaxLength(maxCookie)
	return codec{sc: sc, decoded: newTTLCache[sessionKey, *session](50_000)}
}

func sessionName(manager string) string { return "session/" + manager }
func loginName(manager string) string   { return "login/" + manager }

// errNoCookie: the request carries no such cookie (not an attack).
var errNoCookie = errors.New("no cookie")

// decodeSession reads the session cookie of manager m; any failure
// (missing, tampered, expired, another issuer's) means no session. The
// error says which, never with the cookie's value.
func (c codec) decodeSession(r *http.Request, cookieName, manager, issuer string, now time.Time) (*session, error) {
	ck, err := r.Cookie(cookieName)
	if err != nil {
		return nil, errNoCookie
	}
	k := sessionKey{manager, ck.Value}
	s, hit := c.decoded.get(k, now)
	if !hit {
		s = &session{}
		if err := c.sc.Decode(sessionName(manager), ck.Value, s); err != nil {
			return nil, cookieError(err)
		}
		c.decoded.put(k, s, now.Add(decodedTTL))
	}
	switch {
	case s.Exp <= now.Unix():
		return nil, errors.New("session expired")
	case s.Issuer != issuer:
		return nil, errors.New("session from another issuer (the manager's issuer changed)")
	case s.User == "" || s.ID == "":
		return nil, errors.New("session without a user")
	}
	return s, nil
}

// cookieError classifies securecookie's errors in words of our own: they
// are constant strings today, but nothing from the cookie may reach a log.
func cookieError(err error) error {
	var e securecookie.Error
	switch {
	case errors.As(err, &e) && e.IsDecode():
		return errors.New("cookie not signed by Weir's keys, or damaged")
	case errors.As(err, &e) && e.IsUsage():
		return errors.New("cookie too long")
	}
	return errors.New("cookie refused")
}

func newSessionID() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// sortedGroups is the groups sorted and unique, as sessions keep them.
func sortedGroups(g []string) []string {
	g = slices.Clone(g)
	slices.Sort(g)
	return slices.Compact(g)
}
