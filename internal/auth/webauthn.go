package auth

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/yingji/yingji/internal/core"
)

// WebAuthn security keys as a second factor (issue 9): a key (a USB/NFC
// security key, a platform authenticator) is registered from the account
// security page of an account that already has an authenticator app, and
// signs in instead of a TOTP code at the second step. The app's recovery
// codes cover a lost key; a security administrator's reset of the second
// factor removes the keys too. Each registration and removal is audited
// against the user; a sign-in with a key as method password+webauthn.

// Key is a registered security key. Data is the go-webauthn credential as
// JSON (public key, signature counter, flags).
type Key struct {
	ID           int64     `json:"id"`
	UserID       int64     `json:"-"`
	CredentialID string    `json:"credential_id"`
	Name         string    `json:"name"`
	Data         string    `json:"-"`
	CreatedAt    time.Time `json:"created_at"`
	LastUsedAt   time.Time `json:"last_used_at,omitzero"`
}

// KeyStore keeps security keys and the state between a ceremony's steps.
type KeyStore interface {
	// AddKey returns ECONFLICT for a credential already registered.
	AddKey(ctx context.Context, k *Key) error
	ListKeys(ctx context.Context, userID int64) ([]*Key, error)
	UseKey(ctx context.Context, id int64, data string, at time.Time) error
	DeleteKey(ctx context.Context, userID, id int64) error
	PutKeySession(ctx context.Context, key string, userID int64, data string, expires, now time.Time) error
	// TakeKeySession returns and removes the state; EUNAUTHORIZED when
	// unknown or expired.
	TakeKeySession(ctx context.Context, key string, now time.Time) (userID int64, data string, err error)
}

// Keys is the WebAuthn configuration of a Service.
type Keys struct {
	Store KeyStore
	// RPID is the relying party's domain (the site's host name, no port);
	// Origins the page origins allowed (https://host[:port]).
	RPID    string
	Origins []string
	wa      *webauthn.WebAuthn
}

// NewKeys checks the relying party's settings.
func NewKeys(store KeyStore, rpID string, origins []string) (*Keys, error) {
	wa, err := webauthn.New(&webauthn.Config{RPID: rpID, RPDisplayName: "Yingji 应急管理平台", RPOrigins: origins,
		Timeouts: webauthn.TimeoutsConfig{Login: webauthn.TimeoutConfig{Enforce: true, Timeout: 2 * time.Minute},
			Registration: webauthn.TimeoutConfig{Enforce: true, Timeout: 5 * time.Minute}}})
	if err != nil {
		return nil, fmt.Errorf("auth: WebAuthn relying party: %w", err)
	}
	return &Keys{Store: store, RPID: rpID, Origins: origins, wa: wa}, nil
}

var errKeysDisabled = core.Errorf(core.ENOTFOUND, "security keys are not configured on this server")

// keyUser is a user as go-webauthn sees it.
type keyUser struct {
	u     *User
	creds []webauthn.Credential
	keys  []*Key
}

func (k *keyUser) WebAuthnID() []byte                         { return []byte("yingji-user-" + strconv.FormatInt(k.u.ID, 10)) }
func (k *keyUser) WebAuthnName() string                       { return k.u.Username }
func (k *keyUser) WebAuthnCredentials() []webauthn.Credential { return k.creds }
func (k *keyUser) WebAuthnDisplayName() string {
	if k.u.DisplayName != "" {
		return k.u.DisplayName
	}
	return k.u.Username
}

func (s *Service) keyUser(ctx context.Context, u *User) (*keyUser, error) {
	keys, err := s.Keys.Store.ListKeys(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	ku := &keyUser{u: u, keys: keys}
	for _, k := range keys {
		var c webauthn.Credential
		if err := json.Unmarshal([]byte(k.Data), &c); err != nil {
			return nil, fmt.Errorf("auth: security key %d: %w", k.ID, err)
		}
		ku.creds = append(ku.creds, c)
	}
	return ku, nil
}

func (s *Service) putSession(ctx context.Context, key string, userID int64, sd *webauthn.SessionData) error {
	data, err := json.Marshal(sd)
	if err != nil {
		return err
	}
	now := s.Clock()
	return s.Keys.Store.PutKeySession(ctx, key, userID, string(data), now.Add(5*time.Minute), now)
}

func (s *Service) takeSession(ctx context.Context, key string, userID int64) (webauthn.SessionData, error) {
	var sd webauthn.SessionData
	owner, data, err := s.Keys.Store.TakeKeySession(ctx, key, s.Clock())
	if err != nil {
		return sd, err
	}
	if owner != userID {
		return sd, core.Errorf(core.EUNAUTHORIZED, "the security key step belongs to another account; start again")
	}
	return sd, json.Unmarshal([]byte(data), &sd)
}

func regKey(userID int64) string { return "reg:" + strconv.FormatInt(userID, 10) }

// HasKeys reports whether the user may sign in with a security key.
func (s *Service) HasKeys(ctx context.Context, userID int64) bool {
	if s.Keys == nil {
		return false
	}
	keys, err := s.Keys.Store.ListKeys(ctx, userID)
	return err == nil && len(keys) > 0
}

// MyKeys lists the signed-in user's security keys.
func (s *Service) MyKeys(ctx context.Context) ([]*Key, error) {
	if s.Keys == nil {
		return nil, errKeysDisabled
	}
	u, err := s.actorUser(ctx)
	if err != nil {
		return nil, err
	}
	return s.Keys.Store.ListKeys(ctx, u.ID)
}

// BeginKeyRegistration starts registering a security key for the signed-in
// user, who must have a confirmed authenticator app.
func (s *Service) BeginKeyRegistration(ctx context.Context) (*protocol.CredentialCreation, error) {
	if s.Keys == nil {
		return nil, errKeysDisabled
	}
	u, err := s.actorUser(ctx)
	if err != nil {
		return nil, err
	}
	if rec, err := s.MFA.Store.GetMFA(ctx, u.ID); err != nil || !rec.Confirmed() {
		return nil, core.Errorf(core.EINVALID, "set up the authenticator app first: its recovery codes stand in for a lost security key")
	}
	ku, err := s.keyUser(ctx, u)
	if err != nil {
		return nil, err
	}
	exclude := make([]protocol.CredentialDescriptor, len(ku.creds))
	for i, c := range ku.creds {
		exclude[i] = c.Descriptor()
	}
	cc, sd, err := s.Keys.wa.BeginRegistration(ku, webauthn.WithExclusions(exclude),
		webauthn.WithAuthenticatorSelection(protocol.AuthenticatorSelection{UserVerification: protocol.VerificationDiscouraged, ResidentKey: protocol.ResidentKeyRequirementDiscouraged}))
	if err != nil {
		return nil, err
	}
	if err := s.putSession(ctx, regKey(u.ID), u.ID, sd); err != nil {
		return nil, err
	}
	return cc, nil
}

// FinishKeyRegistration checks the browser's answer and stores the key.
func (s *Service) FinishKeyRegistration(ctx context.Context, name string, credential []byte) (*Key, error) {
	if s.Keys == nil {
		return nil, errKeysDisabled
	}
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 64 {
		return nil, core.Invalid("name", "is required (1–64 characters, e.g. \"办公室安全密钥\")")
	}
	u, err := s.actorUser(ctx)
	if err != nil {
		return nil, err
	}
	sd, err := s.takeSession(ctx, regKey(u.ID), u.ID)
	if err != nil {
		return nil, err
	}
	parsed, err := protocol.ParseCredentialCreationResponseBody(bytes.NewReader(credential))
	if err != nil {
		return nil, core.Invalid("credential", "is not a WebAuthn registration answer: %v", protocolDetail(err))
	}
	ku, err := s.keyUser(ctx, u)
	if err != nil {
		return nil, err
	}
	c, err := s.Keys.wa.CreateCredential(ku, sd, parsed)
	if err != nil {
		return nil, core.Invalid("credential", "was refused: %v", protocolDetail(err))
	}
	data, _ := json.Marshal(c)
	k := &Key{UserID: u.ID, CredentialID: base64.RawURLEncoding.EncodeToString(c.ID), Name: name, Data: string(data), CreatedAt: s.Clock()}
	if err := s.Keys.Store.AddKey(ctx, k); err != nil {
		return nil, err
	}
	return k, nil
}

// DeleteMyKey removes one of the signed-in user's security keys.
func (s *Service) DeleteMyKey(ctx context.Context, id int64) error {
	if s.Keys == nil {
		return errKeysDisabled
	}
	u, err := s.actorUser(ctx)
	if err != nil {
		return err
	}
	return s.Keys.Store.DeleteKey(ctx, u.ID, id)
}

func loginKey(challenge string) string { return "login:" + HashToken(strings.TrimSpace(challenge)) }

// BeginKeyLogin answers the second step's request for a security key
// assertion (counts as an attempt on the challenge).
func (s *Service) BeginKeyLogin(ctx context.Context, challenge string) (*protocol.CredentialAssertion, error) {
	if s.Keys == nil {
		return nil, errKeysDisabled
	}
	_, u, err := s.challengeUser(ctx, challenge)
	if err != nil {
		return nil, err
	}
	ku, err := s.keyUser(ctx, u)
	if err != nil {
		return nil, err
	}
	if len(ku.creds) == 0 {
		return nil, core.Invalid("challenge", "this account has no security key; enter the code of the authenticator app")
	}
	ca, sd, err := s.Keys.wa.BeginLogin(ku, webauthn.WithUserVerification(protocol.VerificationDiscouraged))
	if err != nil {
		return nil, err
	}
	if err := s.putSession(ctx, loginKey(challenge), u.ID, sd); err != nil {
		return nil, err
	}
	return ca, nil
}

// FinishKeyLogin checks the assertion for the challenge and opens the
// session.
func (s *Service) FinishKeyLogin(ctx context.Context, challenge string, credential []byte, ip string) (*LoginResult, error) {
	if s.Keys == nil {
		return nil, errKeysDisabled
	}
	c, u, err := s.challengeUser(ctx, challenge)
	if err != nil {
		return nil, err
	}
	sd, err := s.takeSession(ctx, loginKey(challenge), u.ID)
	if err != nil {
		return nil, err
	}
	refuse := func(reason string) error {
		s.secondFactorFailed(ctx, u, ip, "webauthn", reason)
		return core.Errorf(core.EUNAUTHORIZED, "the security key was not accepted: %s", reason)
	}
	parsed, err := protocol.ParseCredentialRequestResponseBody(bytes.NewReader(credential))
	if err != nil {
		return nil, refuse("not a WebAuthn answer: " + protocolDetail(err))
	}
	ku, err := s.keyUser(ctx, u)
	if err != nil {
		return nil, err
	}
	cred, err := s.Keys.wa.ValidateLogin(ku, sd, parsed)
	if err != nil {
		return nil, refuse(protocolDetail(err))
	}
	if cred.Authenticator.CloneWarning {
		return nil, refuse("its signature counter went back: the key may have been cloned")
	}
	id := base64.RawURLEncoding.EncodeToString(cred.ID)
	for _, k := range ku.keys {
		if k.CredentialID == id {
			data, _ := json.Marshal(cred)
			if err := s.Keys.Store.UseKey(ctx, k.ID, string(data), s.Clock()); err != nil {
				return nil, err
			}
		}
	}
	s.MFA.Store.DeleteChallenge(ctx, c.Hash)
	res, err := s.openSession(ctx, u)
	if err != nil {
		return nil, err
	}
	s.audit(ctx, "login", u, LoginEvent{Username: u.Username, IP: ip, Method: "password+webauthn"})
	return res, nil
}

// protocolDetail is the useful part of a go-webauthn error.
func protocolDetail(err error) string {
	if pe, ok := err.(*protocol.Error); ok && pe.DevInfo != "" {
		return pe.Details + ": " + pe.DevInfo
	}
	return err.Error()
}
