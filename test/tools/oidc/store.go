package main

import (
	"context"
	"slices"

	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

const scopeGroups = "groups"

// store is the example's in-memory storage with the claims Weir reads
// added on top; everything else (auth requests, codes, PKCE, tokens, keys)
// is the example's.
type store struct {
	*storage.Storage
	users           map[string]UserConfig // by ID
	postLogout      map[string][]string   // by client ID
	groupsNeedScope bool
}

func newStore(cfg *Config) *store {
	s := &store{
		users:           map[string]UserConfig{},
		postLogout:      map[string][]string{},
		groupsNeedScope: cfg.GroupsNeedScope,
	}
	us := userStore{}
	for _, u := range cfg.Users {
		s.users[u.ID] = u
		first, last, _ := splitName(u.Name)
		us[u.ID] = &storage.User{
			ID: u.ID, Username: u.Username, Password: u.Password,
			FirstName: first, LastName: last,
			Email: u.Email, EmailVerified: u.Email != "",
		}
	}
	for _, c := range cfg.Clients {
		s.postLogout[c.ID] = c.PostLogoutRedirectURIs
	}
	s.Storage = storage.NewStorage(us)
	return s
}

func splitName(name string) (first, last string, ok bool) {
	for i := range name {
		if name[i] == ' ' {
			return name[:i], name[i+1:], true
		}
	}
	return name, "", false
}

// GetClientByClientID wraps the example's client so that profile and email
// claims go into the ID token, the "groups" scope is accepted and the
// configured post-logout redirects are allowed.
func (s *store) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	c, err := s.Storage.GetClientByClientID(ctx, id)
	if err != nil {
		return nil, err
	}
	return client{Client: c, postLogout: s.postLogout[id]}, nil
}

// SetUserinfoFromRequest fills the ID token's claims.
func (s *store) SetUserinfoFromRequest(ctx context.Context, info *oidc.UserInfo, req op.IDTokenRequest, scopes []string) error {
	if err := s.Storage.SetUserinfoFromRequest(ctx, info, req, scopes); err != nil {
		return err
	}
	s.addClaims(info, req.GetSubject(), scopes)
	return nil
}

// SetUserinfoFromToken fills the userinfo endpoint's answer. The example
// has checked the token and set claims by its scopes; the token's scopes
// are private to it, so groups follow the scopes it left visible (openid is
// always there, so groups is unless groupsNeedScope).
func (s *store) SetUserinfoFromToken(ctx context.Context, info *oidc.UserInfo, tokenID, subject, origin string) error {
	if err := s.Storage.SetUserinfoFromToken(ctx, info, tokenID, subject, origin); err != nil {
		return err
	}
	scopes := []string{oidc.ScopeOpenID}
	if info.Email != "" {
		scopes = append(scopes, oidc.ScopeEmail)
	}
	if info.PreferredUsername != "" {
		scopes = append(scopes, oidc.ScopeProfile)
	}
	if !s.groupsNeedScope {
		scopes = append(scopes, scopeGroups)
	}
	s.addClaims(info, subject, scopes)
	return nil
}

func (s *store) addClaims(info *oidc.UserInfo, subject string, scopes []string) {
	u, ok := s.users[subject]
	if !ok {
		return
	}
	if slices.Contains(scopes, oidc.ScopeEmail) && u.Email != "" {
		info.Email = u.Email
		info.EmailVerified = true
	}
	if slices.Contains(scopes, oidc.ScopeProfile) {
		info.PreferredUsername = u.Username
		if u.Name != "" {
			info.Name = u.Name
		}
	}
	if !s.groupsNeedScope || slices.Contains(scopes, scopeGroups) {
		groups := u.Groups
		if groups == nil {
			groups = []string{} // an explicit empty list, not a missing claim
		}
		info.AppendClaims(scopeGroups, groups)
	}
}

// userStore is storage.UserStore over the configured users.
type userStore map[string]*storage.User

func (u userStore) GetUserByID(id string) *storage.User { return u[id] }

func (u userStore) GetUserByUsername(name string) *storage.User {
	for _, user := range u {
		if user.Username == name {
			return user
		}
	}
	return nil
}

func (u userStore) ExampleClientID() string { return storage.ServiceUserID }

type client struct {
	op.Client
	postLogout []string
}

func (c client) IDTokenUserinfoClaimsAssertion() bool { return true }

func (c client) IsScopeAllowed(scope string) bool {
	return scope == scopeGroups || c.Client.IsScopeAllowed(scope)
}

func (c client) PostLogoutRedirectURIs() []string { return c.postLogout }
