package main

import (
	"bytes"
	"fmt"
	"math"
	"time"
)

// chart draws p50 and p99 latency of each second of each run on one log
// scale, with the 100 ms target, as an SVG.
func chart(results []*result) []byte {
	const (
		w, h                     = 800, 420
		left, right, top, bottom = 70, 150, 40, 50
	)
	lo, hi := 100*time.Microsecond, time.Second
	var span time.Duration
	for _, r := range results {
		for _, s := range r.Seconds {
			span = max(span, s.At)
			for lo > s.P50 && s.P50 > 0 {
				lo /= 10
			}
			for hi < s.P99 {
				hi *= 10
			}
		}
	}
	span = max(span, time.Second)
	x := func(d time.Duration) float64 {
		return left + float64(w-left-right)*d.Seconds()/span.Seconds()
	}
	y := func(d time.Duration) float64 {
		d = max(d, lo)
		f := math.Log(float64(d)/float64(lo)) / math.Log(float64(hi)/float64(lo))
		return float64(h-bottom) - f*float64(h-top-bottom)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">`+"\n", w, h)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", w, h)
	if len(results) > 0 {
		r := results[0]
		fmt.Fprintf(&b, `<text x="%d" y="20" font-size="14">hub fan-out: %d members on %d instances, %d msg/s into one room: latency per second</text>`+"\n",
			left, r.Members, r.Instances, r.Rate)
		for _, s := range r.Seconds { // shade the warm-up
			if !s.Warm {
				fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="#eee"/><text x="%d" y="%d" fill="#888">warm-up</text>`+"\n",
					left, top, x(s.At)-left, h-top-bottom, left+4, top+14)
				break
			}
		}
	}
	for d := lo; d <= hi; d *= 10 {
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#ddd"/><text x="%d" y="%.1f" text-anchor="end">%v</text>`+"\n",
			left, w-right, y(d), y(d), left-6, y(d)+4, d)
	}
	target := 100 * time.Millisecond
	fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="red" stroke-dasharray="6 4"/><text x="%d" y="%.1f" fill="red">p99 target</text>`+"\n",
		left, w-right, y(target), y(target), w-right+6, y(target)+4)
	step := time.Duration(math.Ceil(span.Seconds()/10)) * time.Second
	for t := time.Duration(0); t <= span; t += step {
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">%v</text>`+"\n", x(t), h-bottom+18, t)
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle">time since the producer started</text>`+"\n", (left+w-right)/2, h-10)
	fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#444"/>`+"\n", left, top, w-left-right, h-top-bottom)
	colors := []string{"#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd"}
	for i, r := range results {
		c := colors[i%len(colors)]
		for j, q := range []struct {
			name string
			at   func(second) time.Duration
			dash string
		}{{"p99", func(s second) time.Duration { return s.P99 }, ""}, {"p50", func(s second) time.Duration { return s.P50 }, `stroke-dasharray="3 3"`}} {
			var pts bytes.Buffer
			for _, s := range r.Seconds {
				if s.Deliveries > 0 {
					fmt.Fprintf(&pts, "%.1f,%.1f ", x(s.At), y(q.at(s)))
				}
			}
			fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="1.5" %s/>`+"\n", pts.String(), c, q.dash)
			ly := top + 10 + (2*i+j)*18
			fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="%s" stroke-width="1.5" %s/><text x="%d" y="%d">%s %s</text>`+"\n",
				w-right+6, w-right+30, ly, ly, c, q.dash, w-right+34, ly+4, r.Broker, q.name)
		}
	}
	b.WriteString("</svg>\n")
	return b.Bytes()
}
