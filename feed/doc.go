// Package feed is the village agent's side of the content feed: it pulls what
// the county signed for one village, verifies it with TUF (go-tuf v2), and
// keeps the last verified version on the SD card.
//
// TUF only gates new content. The agent keeps its own store (objects/ named
// by sha256 plus current.json), so expired metadata or a dead network never
// takes content off the board: Current keeps returning the last verified
// version while Sync reports why it could not move on.
//
// A version is the village's files plus the county-wide items (policies,
// urgent notices) that the county alone signs for every village
// (publish.Repo.PublishCounty): Version.FS shows them under county/, and a
// county publish makes a new version on every board. county/* targets are
// accepted only from the top-level targets role, never through a township.
//
// State directory:
//
//	tuf/          go-tuf's trusted metadata (root.json pinned on first use)
//	objects/      verified files, named by their sha256
//	partial/      interrupted downloads, resumed by the next Sync
//	tmp/          metadata being downloaded
//	current.json  the last few verified versions, newest first
//
// # Serving a province from any static host
//
// The repository the county publishes (`sunpub publish`, the public/ folder)
// is plain files; `sunpub serve` is a convenience, not a requirement. Copy
// public/ to any web server, CDN or S3-compatible bucket, keeping the layout
// (metadata/..., targets/...), and point the agents' feed URL at its root.
//
// Cache rules follow from TUF's consistent snapshots:
//
//   - Immutable, cache for a year: everything under targets/ (each file is
//     named <sha256>.<name>, so new content is a new name) and versioned
//     metadata, metadata/<N>.<role>.json (N.root.json, N.snapshot.json,
//     N.targets.json, N.township-<id>.json, N.village-<id>.json). Send
//     "Cache-Control: public, max-age=31536000, immutable".
//   - Never cache without revalidating: metadata/timestamp.json (re-signed by
//     `sunpub refresh` and on every publish, in place) and the unversioned
//     root.json if you serve one. Send "Cache-Control: no-cache" so a CDN asks
//     the origin each time and answers 304 when nothing changed. A CDN that
//     serves a stale timestamp.json delays updates and, past its expiry,
//     makes every board report itself stale. Agents probe
//     metadata/<N+1>.root.json for key rotation: a 404 for it must not be
//     cached for long (a minute at most), or a rotation is not seen.
//   - The agent polls timestamp.json with If-None-Match, so the server must
//     send an ETag on it (strong or weak) and answer 304; otherwise each
//     poll moves the whole file (small, but 1,000 boards poll).
//   - Resume needs Range requests and a strong ETag on targets: an
//     interrupted download asks "Range: bytes=N-" with "If-Range: <etag>" and
//     expects 206. nginx, Apache, Caddy, S3, MinIO and the common CDNs do both
//     for static files; a server without Range still works, only each retry
//     starts from byte 0. A proxy that recompresses bodies (gzip on the fly)
//     breaks Range and ETags: turn compression off for targets/.
//   - Upload order matters: copy targets/ first, then the versioned metadata,
//     then timestamp.json last, so no agent sees a timestamp pointing at
//     files that are not there yet. Never delete old targets/ or versioned
//     metadata right away: an agent may be mid-sync on the previous version.
//
// An nginx site doing all of this is deploy/nginx/repository.conf;
// deploy/nginxtest syncs a board through a real nginx running it (a cut
// download resumed with a 206, the next poll a 304, the cache headers).
//
// For S3-compatible stores (`aws s3 sync` / `mc mirror`), set the same
// Cache-Control per prefix when uploading (--cache-control); S3 and MinIO
// send strong ETags and honour Range and If-Range.
//
// The load this puts on the origin is measured by the feed/scale benchmark
// (`make bench`): 1,000 agents polling every 30 s are ~33 requests/s,
// nearly all 304s.
package feed
