package sim

import (
	"bufio"
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// RecordOpts says where and how much of a display to record.
type RecordOpts struct {
	// GIF is the path of an animated GIF written when the recording ends;
	// "" writes none. GIF opens everywhere (chat apps, Office, browsers).
	GIF string
	// Dir receives every frame as a PNG, 000001.png onwards, with
	// frames.csv giving each file's time in milliseconds from the first;
	// "" writes none. The directory is created.
	Dir string
	// MaxDuration and MaxFrames end the recording; 0 means 30 s and 1500
	// frames. A TV GIF holds one byte per pixel per kept frame in memory
	// until it is written: 1500 frames of 720p would be 1.4 GB, so the GIF
	// also stops taking frames at 256 MB (identical frames cost nothing).
	MaxDuration time.Duration
	MaxFrames   int
	// Scale enlarges each pixel to Scale×Scale in the files (nearest
	// neighbour): a 128×64 LED board is a stamp at 1:1. 0 means 1.
	Scale int
	// Now is the clock frames are stamped with; nil is time.Now.
	Now func() time.Time
}

// gifMaxBytes caps the paletted frames a GIF recording keeps in memory.
const gifMaxBytes = 256 << 20

// recordQueue is how many frames may wait for conversion; tests raise it so
// no frame is ever dropped.
var recordQueue = 8

// Recorder records a Dev's frames to a PNG sequence and an animated GIF.
// Frames are stamped when drawn and converted on a goroutine of their own.
// When that goroutine falls behind (dithering 720p takes longer than a
// 25 fps frame on a Pi) new frames are dropped rather than slowing the
// player; the GIF's delays come from the frames kept, so its timing stays
// true.
type Recorder struct {
	dev   *Dev
	opts  RecordOpts
	queue chan recFrame
	done  chan struct{} // closed when the recording has ended and is written

	// Owned by the Dev's lock: whether frames are still taken, and when
	// the recording ended (the last frame is shown until then).
	start   time.Time
	n       int
	dropped int
	stopped bool
	stopAt  time.Duration
	timer   *time.Timer

	err error // set before done closes

	// Owned by the converting goroutine.
	g       gif.GIF
	base    *image.RGBA   // the picture before the last GIF frame
	pal     color.Palette // nil until a frame with two colours comes
	pending []pendingFrame
	nearest map[uint32]uint8
	times   []time.Duration // start of each GIF frame
	last    *image.RGBA     // the picture after the last GIF frame
	bytes   int
	csv     bytes.Buffer
}

type recFrame struct {
	img *image.RGBA
	at  time.Duration
}

// Record starts recording d from its current frame. Stop ends the
// recording and writes the files; it also ends by itself at the limits in
// opts, after which Done is closed.
func (d *Dev) Record(opts RecordOpts) (*Recorder, error) {
	if opts.GIF == "" && opts.Dir == "" {
		return nil, errors.New("sim: record: neither a GIF path nor a directory")
	}
	if opts.MaxDuration <= 0 {
		opts.MaxDuration = 30 * time.Second
	}
	if opts.MaxFrames <= 0 {
		opts.MaxFrames = 1500
	}
	if opts.Scale <= 0 {
		opts.Scale = 1
	}
	realClock := opts.Now == nil
	if realClock {
		opts.Now = time.Now
	}
	if opts.Dir != "" {
		if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
			return nil, fmt.Errorf("sim: record %q: %w", d.name, err)
		}
	}
	if opts.GIF != "" {
		// Fail now, not after a minute of recording.
		f, err := os.Create(opts.GIF)
		if err != nil {
			return nil, fmt.Errorf("sim: record %q: %w", d.name, err)
		}
		f.Close()
	}
	r := &Recorder{dev: d, opts: opts, queue: make(chan recFrame, recordQueue), done: make(chan struct{})}
	r.csv.WriteString("file,ms\n")
	d.mu.Lock()
	if d.rec != nil {
		d.mu.Unlock()
		return nil, fmt.Errorf("sim: display %q is already being recorded", d.name)
	}
	d.rec = r
	r.start = opts.Now()
	r.take(d.img)
	if realClock {
		// A still page draws no frames that would notice the time is up.
		r.timer = time.AfterFunc(opts.MaxDuration, func() {
			d.mu.Lock()
			defer d.mu.Unlock()
			r.end(opts.MaxDuration)
		})
	}
	d.mu.Unlock()
	go r.run()
	return r, nil
}

// take queues a copy of img; d.mu is held.
func (r *Recorder) take(img *image.RGBA) {
	if r.stopped {
		return
	}
	at := r.opts.Now().Sub(r.start)
	if at > r.opts.MaxDuration {
		r.end(r.opts.MaxDuration)
		return
	}
	if r.n >= r.opts.MaxFrames {
		r.end(at)
		return
	}
	if len(r.queue) == cap(r.queue) {
		r.dropped++
		return
	}
	r.n++
	c := image.NewRGBA(img.Rect)
	copy(c.Pix, img.Pix)
	r.queue <- recFrame{c, at}
}

// end stops taking frames, the last one shown until at; d.mu is held.
func (r *Recorder) end(at time.Duration) {
	if r.stopped {
		return
	}
	r.stopped, r.stopAt = true, at
	r.dev.rec = nil
	if r.timer != nil {
		r.timer.Stop()
	}
	close(r.queue)
}

// Stop ends the recording, writes the files and returns the first error.
func (r *Recorder) Stop() error {
	r.dev.mu.Lock()
	r.end(min(r.opts.Now().Sub(r.start), r.opts.MaxDuration))
	r.dev.mu.Unlock()
	<-r.done
	return r.err
}

// Done is closed when the recording has ended and its files are written.
func (r *Recorder) Done() <-chan struct{} { return r.done }

// Frames returns how many frames were taken and how many were dropped
// because the converter was behind.
func (r *Recorder) Frames() (taken, dropped int) {
	r.dev.mu.Lock()
	defer r.dev.mu.Unlock()
	return r.n, r.dropped
}

func (r *Recorder) run() {
	var errs []error
	i := 0
	for f := range r.queue {
		i++
		img := scale(f.img, r.opts.Scale)
		if r.opts.Dir != "" {
			name := fmt.Sprintf("%06d.png", i)
			if err := writePNG(filepath.Join(r.opts.Dir, name), img); err != nil && len(errs) == 0 {
				errs = append(errs, err)
			}
			fmt.Fprintf(&r.csv, "%s,%d\n", name, f.at.Milliseconds())
		}
		if r.opts.GIF != "" {
			r.addGIF(img, f.at)
		}
	}
	if r.opts.Dir != "" {
		if err := os.WriteFile(filepath.Join(r.opts.Dir, "frames.csv"), r.csv.Bytes(), 0o644); err != nil {
			errs = append(errs, err)
		}
	}
	if r.opts.GIF != "" {
		if err := r.writeGIF(); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		r.err = fmt.Errorf("sim: record %q: %w", r.dev.name, err)
	}
	close(r.done)
}

// addGIF appends a frame shown from at. GIF delays are whole centiseconds
// and browsers slow anything under 2 to 10, so a frame drawn within 20 ms
// of the previous one replaces it; an unchanged frame only lengthens the
// previous one.
func (r *Recorder) addGIF(img *image.RGBA, at time.Duration) {
	if r.last != nil && bytes.Equal(r.last.Pix, img.Pix) {
		return
	}
	base := r.last
	n := len(r.g.Image)
	replace := n > 0 && at-r.times[n-1] < 20*time.Millisecond
	if replace {
		// Take the previous frame's place and start time.
		if len(r.pending) > 0 && r.pending[len(r.pending)-1].i == n-1 {
			r.pending = r.pending[:len(r.pending)-1]
		}
		base, at = r.base, r.times[n-1]
		r.bytes -= r.g.Image[n-1].Rect.Dx() * r.g.Image[n-1].Rect.Dy()
		r.g.Image, r.times = r.g.Image[:n-1], r.times[:n-1]
	}
	// Each frame after the first is only the rectangle that changed, drawn
	// over the one before (a scrolling line at the foot of a TV page is a
	// twelfth of the picture).
	box := img.Rect
	if base != nil {
		box = changed(base, img)
		if box.Empty() {
			// Back to the picture before the frame just dropped; what
			// came before that is not kept, so a further replacement
			// redraws the whole picture.
			r.last, r.base = base, nil
			return
		}
	}
	if r.bytes+box.Dx()*box.Dy() > gifMaxBytes {
		return
	}
	r.g.Image = append(r.g.Image, r.paletted(img.SubImage(box).(*image.RGBA)))
	r.times = append(r.times, at)
	r.base, r.last = base, img
	r.bytes += box.Dx() * box.Dy()
}

// changed returns the smallest rectangle holding every pixel that differs
// between a and b, which have the same bounds.
func changed(a, b *image.RGBA) image.Rectangle {
	w := a.Rect.Dx() * 4
	var box image.Rectangle
	for y := range a.Rect.Dy() {
		ra, rb := a.Pix[y*a.Stride:y*a.Stride+w], b.Pix[y*b.Stride:y*b.Stride+w]
		if bytes.Equal(ra, rb) {
			continue
		}
		x0 := 0
		for ra[x0] == rb[x0] {
			x0++
		}
		x1 := w
		for ra[x1-1] == rb[x1-1] {
			x1--
		}
		box = box.Union(image.Rect(x0/4, y, (x1+3)/4, y+1))
	}
	return box.Add(a.Rect.Min)
}

// paletted maps img onto the recording's palette, choosing the palette
// from the first frame with more than one colour (frames before it wait
// as RGBA: they are a blank board or a single colour, merged into one).
func (r *Recorder) paletted(img *image.RGBA) *image.Paletted {
	if r.pal == nil {
		if !uniform(img) {
			r.pal = choosePalette(img)
			for _, pd := range r.pending {
				r.g.Image[pd.i] = r.toPaletted(pd.img)
			}
			r.pending = nil
		} else {
			r.pending = append(r.pending, pendingFrame{len(r.g.Image), img})
			return nil
		}
	}
	return r.toPaletted(img)
}

type pendingFrame struct {
	i   int // index in r.g.Image
	img *image.RGBA
}

func uniform(img *image.RGBA) bool {
	p := img.Pix
	for y := range img.Rect.Dy() {
		row := p[y*img.Stride : y*img.Stride+4*img.Rect.Dx()]
		for i := 0; i < len(row); i += 4 {
			if row[i] != p[0] || row[i+1] != p[1] || row[i+2] != p[2] {
				return false
			}
		}
	}
	return true
}

// choosePalette suits the palette to the content: pages are flat colours
// (backgrounds, bands, text and its anti-aliased edges), so the 192 most
// frequent colours of a frame are kept exactly, and a 4×4×4 cube covers
// what later frames and photos bring. Without dithering flat areas stay
// flat, which keeps the GIF small and LED pixels exact.
func choosePalette(img *image.RGBA) color.Palette {
	counts := map[uint32]int{}
	for y := range img.Rect.Dy() {
		row := img.Pix[y*img.Stride : y*img.Stride+4*img.Rect.Dx()]
		for i := 0; i < len(row); i += 4 {
			counts[uint32(row[i])<<16|uint32(row[i+1])<<8|uint32(row[i+2])]++
		}
	}
	keys := make([]uint32, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b uint32) int { return cmp.Or(counts[b]-counts[a], cmp.Compare(a, b)) })
	pal := make(color.Palette, 0, 256)
	seen := map[uint32]bool{}
	add := func(k uint32) {
		if !seen[k] && len(pal) < 256 {
			seen[k] = true
			pal = append(pal, color.RGBA{byte(k >> 16), byte(k >> 8), byte(k), 0xFF})
		}
	}
	for _, k := range keys[:min(len(keys), 192)] {
		add(k)
	}
	for _, rr := range []uint32{0, 85, 170, 255} {
		for _, gg := range []uint32{0, 85, 170, 255} {
			for _, bb := range []uint32{0, 85, 170, 255} {
				add(rr<<16 | gg<<8 | bb)
			}
		}
	}
	return pal
}

// toPaletted maps each pixel to the nearest palette colour, remembering
// the answer per colour: a page has a few thousand distinct colours, a
// frame a million pixels.
func (r *Recorder) toPaletted(img *image.RGBA) *image.Paletted {
	if r.nearest == nil {
		r.nearest = map[uint32]uint8{}
	}
	out := image.NewPaletted(img.Rect, r.pal)
	w := img.Rect.Dx()
	for y := range img.Rect.Dy() {
		p := img.Pix[y*img.Stride : y*img.Stride+4*w]
		o := out.Pix[y*out.Stride : y*out.Stride+w]
		for i, j := 0, 0; i < len(p); i, j = i+4, j+1 {
			k := uint32(p[i])<<16 | uint32(p[i+1])<<8 | uint32(p[i+2])
			idx, ok := r.nearest[k]
			if !ok {
				idx = uint8(r.pal.Index(color.RGBA{p[i], p[i+1], p[i+2], 0xFF}))
				r.nearest[k] = idx
			}
			o[j] = idx
		}
	}
	return out
}

func (r *Recorder) writeGIF() error {
	n := len(r.g.Image)
	if n == 0 {
		return nil
	}
	if r.pal == nil {
		// Every frame was one colour: it alone is the palette.
		r.pal = choosePalette(r.pending[0].img)
		for _, pd := range r.pending {
			r.g.Image[pd.i] = r.toPaletted(pd.img)
		}
	}
	end := r.stopAt
	if end <= r.times[n-1] {
		end = r.times[n-1] + time.Second
	}
	cs := func(d time.Duration) int { return int((d + 5*time.Millisecond) / (10 * time.Millisecond)) }
	r.g.Delay = make([]int, n)
	for i := range n {
		next := end
		if i+1 < n {
			next = r.times[i+1]
		}
		r.g.Delay[i] = max(2, cs(next)-cs(r.times[i]))
	}
	r.g.LoopCount = 0
	b := r.g.Image[0].Rect
	r.g.Config = image.Config{ColorModel: r.pal, Width: b.Dx(), Height: b.Dy()}
	f, err := os.Create(r.opts.GIF)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	err = gif.EncodeAll(w, &r.g)
	if ferr := w.Flush(); err == nil {
		err = ferr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func writePNG(path string, img image.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	err = (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(f, img)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// scale enlarges img s times, nearest neighbour.
func scale(img *image.RGBA, s int) *image.RGBA {
	if s == 1 {
		return img
	}
	b := img.Rect
	out := image.NewRGBA(image.Rect(0, 0, b.Dx()*s, b.Dy()*s))
	for y := range b.Dy() {
		row := out.Pix[y*s*out.Stride : y*s*out.Stride+out.Stride]
		for x := range b.Dx() {
			c := img.Pix[y*img.Stride+4*x : y*img.Stride+4*x+4]
			for k := range s {
				copy(row[4*(x*s+k):], c)
			}
		}
		for k := 1; k < s; k++ {
			copy(out.Pix[(y*s+k)*out.Stride:], row)
		}
	}
	return out
}
