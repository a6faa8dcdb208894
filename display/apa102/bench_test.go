package apa102

import (
	"fmt"
	"image"
	"testing"
	"time"

	"periph.io/x/conn/v3"
	"periph.io/x/conn/v3/physic"
	"periph.io/x/conn/v3/spi"
)

// nopPort is an SPI port that drops what it is sent, counting bytes.
type nopPort struct{ n int }

func (p *nopPort) String() string { return "nop" }
func (p *nopPort) Connect(physic.Frequency, spi.Mode, int) (spi.Conn, error) {
	return nopConn{p}, nil
}

type nopConn struct{ p *nopPort }

func (c nopConn) String() string                 { return "nop" }
func (c nopConn) Duplex() conn.Duplex            { return conn.Half }
func (c nopConn) TxPackets(p []spi.Packet) error { return nil }
func (c nopConn) Tx(w, r []byte) error           { c.p.n = len(w); return nil }

// BenchmarkConvert is one full frame through Draw: mapping over 2×2 chained
// serpentine panels, lightness with brightness, a power limit that dims
// every frame, and periph's APA102 framing. %wire is the CPU time as a
// share of the frame's time on a 20 MHz bus (target ≤ 5 %).
func BenchmarkConvert(b *testing.B) {
	for _, sz := range []struct{ w, h int }{{32, 32}, {64, 64}} {
		b.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(b *testing.B) {
			p := &nopPort{}
			n := sz.w * sz.h
			d, err := New(p, &Opts{Width: sz.w, Height: sz.h, Map: "chain:2x2;serpentine", Brightness: 200, SupplyAmps: float64(n) * 0.002})
			if err != nil {
				b.Fatal(err)
			}
			src := image.NewRGBA(d.Bounds())
			for i := range src.Pix {
				src.Pix[i] = byte(i * 7)
			}
			b.SetBytes(int64(len(src.Pix)))
			b.ReportAllocs()
			for b.Loop() {
				if err := d.Draw(d.Bounds(), src, image.Point{}); err != nil {
					b.Fatal(err)
				}
			}
			per := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			wire := time.Duration(p.n) * 8 * time.Second / 20e6
			b.ReportMetric(100*per/float64(wire.Nanoseconds()), "%wire")
			if st := d.PowerStats(); st.Limited != st.Frames {
				b.Fatalf("power limit dimmed %d of %d frames, want all", st.Limited, st.Frames)
			}
		})
	}
}
