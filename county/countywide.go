package county

import (
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"testing/fstest"
	"time"

	"github.com/sunboard/sunboard/content"
	"github.com/sunboard/sunboard/feed/doorbell"
	"github.com/sunboard/sunboard/feed/publish"
)

// PublishCounty signs a folder of county-wide items (policies, urgent
// notices for every village: Markdown items and their photos, no
// village.toml) for all villages. It is checked exactly as boards will
// load it — under county/ beside a village's own items — and laid out for
// every profile first; nothing is signed if any item fails.
func PublishCounty(repoDir, dir string, out io.Writer) error {
	files, err := content.ReadAll(os.DirFS(dir))
	if err != nil {
		return fmt.Errorf("read %s: %w", dir, err)
	}
	// A stand-in village lets the same loader and layout check the items.
	probe := fstest.MapFS{"village.toml": {Data: []byte("id = \"000000-000-000\"\nname = \"全县\"\n")}}
	for p, b := range files {
		probe[path.Join(content.CountyDir, p)] = &fstest.MapFile{Data: b}
	}
	v, err := checkFS(dir, probe, nil)
	if err != nil {
		return fmt.Errorf("nothing published:\n%w", err)
	}
	repo, err := publish.Open(repoDir)
	if err != nil {
		return err
	}
	if err := repo.PublishCounty(files); err != nil {
		return fmt.Errorf("publish county items: %w", err)
	}
	fmt.Fprintf(out, "published %d county-wide items for every village\n", len(v.Items))
	return nil
}

// RingCounty rings every board of the county at once (one retained
// message on the county topic) after a county-wide publish.
func RingCounty(ctx context.Context, broker string, out io.Writer) error {
	rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	err := doorbell.RingTopics(rctx, doorbell.Opts{Broker: broker}, []string{doorbell.CountyTopic("")}, time.Now().UTC().Format(time.RFC3339))
	if err != nil {
		return fmt.Errorf("doorbell %s: %w (items are published; boards will see them at their next poll)", broker, err)
	}
	fmt.Fprintf(out, "rang every board of the county at %s\n", broker)
	return nil
}
