package publish

import (
	"fmt"
	"io"
	"strings"
)

// The *Cmd helpers are what cmd/sunpub runs: open the repository, do one
// thing, and tell the operator what happened and what to do next.

// ReportPending prints the staged township versions and what they wait for.
func ReportPending(dir string, out io.Writer) error {
	r, err := Open(dir)
	if err != nil {
		return err
	}
	ps, err := r.Pending()
	if err != nil {
		return err
	}
	for _, p := range ps {
		if len(p.Villages) == 0 {
			fmt.Fprintf(out, "%s version %d: no villages yet, nothing to approve until one is published\n", p.Role, p.Version)
			continue
		}
		if p.Approved {
			fmt.Fprintf(out, "%s version %d approved: run sunpub publish --repo %s --finish (or wait for refresh)\n", p.Role, p.Version, dir)
			continue
		}
		fmt.Fprintf(out, "%s version %d (villages %s) waits for township approval:\n  give %s to the reviewer, who runs\n  sunpub approve --repo DIR --township-key KEYFILE --village %s\n  and returns the file to the same place; then sunpub publish --repo %s --finish\n",
			p.Role, p.Version, strings.Join(p.Villages, " "), p.File, first(p.Villages), dir)
	}
	return nil
}

func first(s []string) string {
	if len(s) == 0 {
		return "ID"
	}
	return s[0]
}

// Finish runs Repo.Finish and reports.
func Finish(dir string, out io.Writer) error {
	r, err := Open(dir)
	if err != nil {
		return err
	}
	done, waiting, err := r.Finish()
	if err != nil {
		return err
	}
	for _, d := range done {
		fmt.Fprintf(out, "published %s\n", d)
	}
	for _, w := range waiting {
		fmt.Fprintf(out, "still waiting for township approval: %s\n", w)
	}
	if len(done) == 0 && len(waiting) == 0 {
		fmt.Fprintln(out, "nothing staged")
	}
	return nil
}

// ApproveCmd runs Approve and prints what was signed.
func ApproveCmd(dir, keyFile, village string, out io.Writer) error {
	if keyFile == "" || village == "" {
		return fmt.Errorf("--township-key FILE and --village ID are required")
	}
	a, err := Approve(dir, keyFile, village)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "approved %s version %d (villages %s)\n", a.Role, a.Version, strings.Join(a.Villages, " "))
	if a.CountyKeyChanged {
		fmt.Fprintf(out, "the county rotated its key (the rotation is signed by the county key you had): %s now trusts the new county key\n", keyFile)
	}
	for _, c := range a.Changed {
		fmt.Fprintf(out, "  new or changed: %s\n", c)
	}
	for _, c := range a.Removed {
		fmt.Fprintf(out, "  removed:        %s\n", c)
	}
	fmt.Fprintf(out, "signed %s: return it to the county, which runs sunpub publish --finish\n", a.File)
	return nil
}

// AddTownshipCmd runs AddTownship and prints the key file to hand over.
func AddTownshipCmd(dir, id, name string, out io.Writer) error {
	r, err := Open(dir)
	if err != nil {
		return err
	}
	p, err := r.AddTownship(id, name)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "township %s %s delegated (paths %s)\nreviewer key: %s\n  hand it to the township reviewer on a USB stick, then delete it here\n", id, name, TownshipPattern(id), p)
	return ReportPending(dir, out)
}

// RevokeTownshipCmd runs RevokeTownship.
func RevokeTownshipCmd(dir, id string, out io.Writer) error {
	r, err := Open(dir)
	if err != nil {
		return err
	}
	if err := r.RevokeTownship(id); err != nil {
		return err
	}
	fmt.Fprintf(out, "township %s key revoked: nothing new reaches its villages until sunpub township add --id %s gives it a new key\n", id, id)
	return nil
}

// RotateKeyCmd runs RotateKey.
func RotateKeyCmd(dir, role string, out io.Writer) error {
	r, err := Open(dir)
	if err != nil {
		return err
	}
	if role == CountyRole {
		staged, err := r.rotateCounty()
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "county delegation key rotated (%s); the rotation, signed by the old key, is in %s\n", r.keyPath(countyKey), r.countyRotationsPath())
		if len(staged) == 0 {
			fmt.Fprintln(out, "no township is delegated: nothing to approve")
			return nil
		}
		fmt.Fprintf(out, "re-staged for approval with the new county key: %s\n", strings.Join(staged, " "))
		fmt.Fprintln(out, "until a township approves, its villages keep showing their current content under the old county key;")
		fmt.Fprintln(out, "reviewers' sunpub approve follows the rotation (copy staged/ with county-keys.json to them),")
		fmt.Fprintln(out, "and publish --finish switches each township to the new key together with its approved version")
		return ReportPending(dir, out)
	}
	p, err := r.RotateKey(role)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s key rotated\n", role)
	if p != "" {
		fmt.Fprintf(out, "new reviewer key: %s (hand it over, then delete it here)\n", p)
		return ReportPending(dir, out)
	}
	for _, w := range r.keyWarnings() {
		fmt.Fprintln(out, "warning:", w)
	}
	return nil
}

// RenewCmd runs Repo.Renew: a new version of role (root, targets, snapshot
// or timestamp) with the same keys and a fresh expiry date (sunpub key renew
// --role ROLE). Root needs the root keys on this machine.
func RenewCmd(dir, role string, out io.Writer) error {
	r, err := Open(dir)
	if err != nil {
		return err
	}
	if err := r.Renew(role); err != nil {
		return err
	}
	fmt.Fprintf(out, "%s renewed with the same keys\n", role)
	if role == "root" {
		if exp, err := r.RootExpires(); err == nil {
			fmt.Fprintf(out, "root.json now expires %s; agents follow the new version on their next poll\n", exp.Format("2006-01-02"))
		}
		for _, w := range r.keyWarnings() {
			fmt.Fprintln(out, "warning:", w)
		}
	}
	return nil
}
