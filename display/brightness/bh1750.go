package brightness

import (
	"fmt"
	"time"

	"periph.io/x/conn/v3/i2c"
)

// Sensor reads ambient light.
type Sensor interface {
	Lux() (float64, error)
}

// BH1750 commands and addresses (ROHM BH1750FVI datasheet).
const (
	BH1750Addr    = 0x23 // ADDR pin low (the usual breakout)
	BH1750AltAddr = 0x5c // ADDR pin high

	bh1750PowerOn    = 0x01
	bh1750ContHiRes  = 0x10 // continuous, 1 lx resolution, 120 ms (max 180 ms)
	bh1750FirstDelay = 180 * time.Millisecond
)

// BH1750 is a ROHM BH1750 ambient-light sensor on an I²C bus, run in
// continuous high-resolution mode. It is not safe for concurrent use.
type BH1750 struct {
	dev   i2c.Dev
	ready bool
	sleep func(time.Duration)
}

// NewBH1750 returns the sensor at addr (0 means BH1750Addr) on bus. Nothing
// is sent until the first Lux.
func NewBH1750(bus i2c.Bus, addr uint16) *BH1750 {
	if addr == 0 {
		addr = BH1750Addr
	}
	return &BH1750{dev: i2c.Dev{Bus: bus, Addr: addr}, sleep: time.Sleep}
}

func (s *BH1750) String() string { return fmt.Sprintf("BH1750@%#x", s.dev.Addr) }

// Lux returns the illuminance. The first call (and the first after an error,
// since a sensor that lost power forgets its mode) powers the sensor on,
// starts continuous high-resolution mode and waits 180 ms for the first
// measurement.
func (s *BH1750) Lux() (float64, error) {
	if !s.ready {
		for _, cmd := range []byte{bh1750PowerOn, bh1750ContHiRes} {
			if err := s.dev.Tx([]byte{cmd}, nil); err != nil {
				return 0, fmt.Errorf("%s: command %#02x: %w", s, cmd, err)
			}
		}
		s.ready = true
		s.sleep(bh1750FirstDelay)
	}
	var b [2]byte
	if err := s.dev.Tx(nil, b[:]); err != nil {
		s.ready = false
		return 0, fmt.Errorf("%s: read: %w", s, err)
	}
	return float64(uint16(b[0])<<8|uint16(b[1])) / 1.2, nil
}
