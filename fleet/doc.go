// Package fleet is the county's view of its village boards: the agent side
// signs and sends heartbeats, screenshots and proof-of-display batches; the
// server side (`sunpub serve`) checks each against the village's registered
// device key, stores it in one embedded bbolt file and serves the fleet page.
//
// # Agent side
//
// Every Opts.Interval (a minute by default) the agent fills a Heartbeat
// from what it knows, signs it with its device key (the same ed25519 key as
// its proof log, see player/proof) with Sign, and posts it with Send. Every
// few minutes, and on request, it posts a scaled-down PNG of each display
// with SendScreenshot. For the proof log it asks ProofHead, then calls
// UploadProof with log.Since(head); an *UploadError carries the server's
// head when a batch was refused, so the next try sends from there. Heartbeat
// and screenshot signatures use their own context strings, so no signature
// can be replayed as another kind.
//
// # Server side
//
// NewServer opens the database; Register adds a village's device key (from
// proof.ParsePublicKey). Handler serves
//
//	POST /api/heartbeat        signed heartbeat (403 when unknown or badly signed; 409 when older than the one held)
//	POST /api/screenshot       PNG body, headers X-Sunboard-Village/-Display/-Time/-Signature
//	POST /api/proof?village=V  proof log lines, headers X-Sunboard-Village/-Time/-Signature (the
//	                           request signed by the device too); answers {"seq","hash"} of the last held
//	GET  /api/proof/head?village=V
//	GET  /api/fleet.json       every village the operator may see, worst first
//	GET  /api/audit?village=V  the audit answer (`sunpub audit`)
//	POST /api/screenshot-request?village=V  (form, csrf)
//	GET/POST /login, POST /logout
//	GET  /                     the fleet page (Chinese): 离线 first, then 故障, 过期, 正常
//	GET  /village/V            one village: screenshots, proof log tail, chain check, audit
//	GET  /shot/V/DISPLAY       the last screenshot
//
// A proof batch is accepted only when it continues the chain held for the
// village (proof.VerifyAfter with the registered key). Records the server
// already holds may be sent again only byte for byte; a tampered, reordered
// or torn batch is refused (422) and kept as a Problem that marks the
// village 故障 for a day and is listed on its page; a batch that starts
// after a gap gets 409 and the held head. Audit verifies the stored chain
// again and runs proof.Audit for `sunpub audit`.
//
// A village is offline after 3×Interval without a heartbeat (server clock,
// so a board's wrong clock cannot hide it); error when its last sync failed,
// a display reports errors, or a proof upload was refused in the last day;
// stale when the agent says its content is out of date; ok otherwise.
//
// # Operators
//
// The fleet page, /village/, /shot/ and the read API need an operator:
// AddOperator (or `sunpub operator add`, AddOperatorCmd) makes an account
// with a Role — RoleCounty, or TownshipRole("370783-101") for the villages
// whose id starts 370783-101- only. Passwords are stored as argon2id
// hashes with a per-account salt. POST /login (form on GET /login) starts a
// session: a random 32-byte id in an HttpOnly, SameSite=Strict cookie
// (Secure with Opts.SecureCookies), kept server-side as its SHA-256 with an
// expiry (Opts.SessionTTL, 8 h); POST /logout ends it. Scripts and
// `sunpub audit` send "Authorization: Bearer <token>" (NewToken). Without
// either, pages answer 303 to /login and the API 401. Every state-changing
// form (the screenshot request, logout) carries the session's CSRF token;
// a missing or wrong one, or a foreign Origin, gets 403. A township
// operator gets only its villages in the list and 403 for another's page,
// screenshot, audit or request. Five failed logins lock the account and
// the client's address for a minute, doubling with each further lockout;
// behind a reverse proxy (Opts.TrustedProxies, `sunpub serve
// --trusted-proxy`) the client's address is the last untrusted hop of
// X-Forwarded-For, so a guesser does not lock out everyone behind the
// proxy. API tokens last Opts.TokenTTL (90 days; `sunpub operator token`
// issues a fresh one).
// Device endpoints need no login: signatures are the authentication.
//
// # When a province outgrows one machine
//
// One bbolt file holds one writer at a time: fine for a county (1,000
// boards at one heartbeat a minute is ~17 writes a second, and each batch
// of proof records is one transaction), not for a province of 50,000
// boards with screenshots. Keep the HTTP API and the signatures exactly as
// they are — the agents never notice — and change what is behind them:
//
//   - Devices, latest heartbeats, proof entries and problems: PostgreSQL
//     (proof entries as (village, seq) primary key, the line as bytea; the
//     chain check stays in the server, so the database needs no trust), with
//     several stateless fleet servers behind a load balancer. A proof upload
//     takes a per-village advisory lock (pg_advisory_xact_lock) instead of
//     the in-process mutex.
//   - Screenshots: an S3-compatible object store (MinIO on the county's own
//     machines, or the provincial cloud's), key village/display.png, with
//     the page linking through the server or to short-lived signed URLs;
//     only the metadata stays in PostgreSQL.
//   - Heartbeats: accept, verify, and put on a queue (NATS JetStream, or
//     the MQTT broker the doorbell already uses) so bursts after a
//     province-wide network outage do not hit the database at once; one
//     consumer writes the latest per village in batches. Offline detection
//     becomes a query on received time.
//   - Pages: per township shards of the fleet list, served from the same
//     API, paged and cached for a few seconds.
package fleet
