package demo

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/triohttp/trio/internal/defaults"
	"github.com/triohttp/trio/ws"
)

// A Quote is one tick of the demo ticker.
type Quote struct {
	Symbol string  `json:"symbol"`
	Price  float64 `json:"price"`
	Change float64 `json:"change"` // since the previous tick, in percent
}

// A Tick is what the ticker pushes as JSON, every Interval.
type Tick struct {
	Seq    int     `json:"seq"`
	Time   string  `json:"time"`
	Proto  string  `json:"proto"`
	Quotes []Quote `json:"quotes"`
}

// Ticker pushes made-up stock prices to each connection, without being
// asked: a random walk per symbol. Interval 0 means 500ms.
type Ticker struct {
	Interval time.Duration
}

var tickerSymbols = []string{"TRIO", "QUIC", "HPCK", "TLS3", "WSCK"}

func (t *Ticker) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c, err := ws.Accept(w, r, &ws.AcceptOptions{ReadLimit: 1024})
	if err != nil {
		return
	}
	defer c.CloseNow()
	go func() { // reads only to answer pings and see the close
		for {
			if _, _, err := c.ReadMessage(); err != nil {
				c.CloseNow()
				return
			}
		}
	}()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	prices := make([]float64, len(tickerSymbols))
	for i := range prices {
		prices[i] = 50 + 100*rng.Float64()
	}
	tk := time.NewTicker(defaults.Or(t.Interval, 500*time.Millisecond))
	defer tk.Stop()
	for seq := 1; ; seq++ {
		tick := Tick{Seq: seq, Time: time.Now().UTC().Format(time.TimeOnly), Proto: c.Proto()}
		for i, s := range tickerSymbols {
			old := prices[i]
			prices[i] = math.Max(1, old*(1+0.01*rng.NormFloat64()))
			tick.Quotes = append(tick.Quotes, Quote{Symbol: s, Price: math.Round(prices[i]*100) / 100, Change: math.Round((prices[i]/old-1)*10000) / 100})
		}
		b, _ := json.Marshal(tick)
		c.SetWriteDeadline(time.Now().Add(10 * time.Second))
		if err := c.WriteMessage(ws.MessageText, b); err != nil {
			return
		}
		select {
		case <-tk.C:
		case <-c.Done():
			return
		}
	}
}
