package lab

import (
	"bytes"
	"fmt"
	"html"
	"math"
	"slices"
)

// chartColors are the protocols' colours, the same in every chart.
var chartColors = map[string]string{ProtoH1: "#d95f02", ProtoH2: "#1b9e77", ProtoH3: "#7570b3"}

// Chart geometry, in SVG user units.
const (
	chartW, chartH = 1200, 620
	panelW, panelH = 500, 360
	panelTop       = 180
)

// ChartSVG draws rs, as Run returns them, as an SVG image with big type
// for the back of a classroom: on the left the median page-complete time
// of each protocol against the loss rate, its 95th percentile as a
// whisker; on the right the median per-resource stall.
func ChartSVG(rs []Result) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" font-family="sans-serif">`+"\n", chartW, chartH, chartW, chartH)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/>`+"\n", chartW, chartH)
	var protos []string
	var losses []float64
	delay, runs := 0.0, 0
	for _, r := range rs {
		if !slices.Contains(protos, r.Proto) {
			protos = append(protos, r.Proto)
		}
		if !slices.Contains(losses, r.Loss) {
			losses = append(losses, r.Loss)
		}
		delay, runs = r.DelayMS, r.Runs
	}
	slices.Sort(losses)
	fmt.Fprintf(&b, `<text x="40" y="48" font-size="30" font-weight="bold">HTTP/1.1, HTTP/2 and HTTP/3 under packet loss</text>`+"\n")
	fmt.Fprintf(&b, `<text x="40" y="84" font-size="20" fill="#444">%g ms each way, %d page loads per point; line: median, whisker: 95th percentile</text>`+"\n", delay, runs)
	x := 40
	for _, p := range protos {
		label := protoLabel(p)
		fmt.Fprintf(&b, `<rect x="%d" y="114" width="28" height="8" fill="%s"/><text x="%d" y="124" font-size="22" fill="%s" font-weight="bold">%s</text>`+"\n",
			x, chartColor(p), x+36, chartColor(p), html.EscapeString(label))
		x += 36 + 14*len(label) + 40
	}
	panel(&b, 90, "page-complete time (ms)", rs, protos, losses, func(r Result) (float64, float64) { return r.MedianMS, r.P95MS })
	panel(&b, 670, "per-resource stall, median (ms)", rs, protos, losses, func(r Result) (float64, float64) { return r.StallMS, r.StallMS })
	b.WriteString("</svg>\n")
	return b.Bytes()
}

func chartColor(proto string) string {
	if c, ok := chartColors[proto]; ok {
		return c
	}
	return "#333"
}

func protoLabel(proto string) string {
	switch proto {
	case ProtoH1:
		return "h1 (6 conns)"
	case ProtoH2:
		return "h2 (1 conn)"
	case ProtoH3:
		return "h3 (QUIC)"
	}
	return proto
}

// panel draws one chart at x: a line per protocol through value(r)'s first
// figure at each loss rate, with a whisker up to its second.
func panel(b *bytes.Buffer, x0 int, title string, rs []Result, protos []string, losses []float64, value func(Result) (float64, float64)) {
	top := 0.0
	for _, r := range rs {
		_, hi := value(r)
		top = max(top, hi)
	}
	step := niceStep(top / 5)
	top = math.Max(step, math.Ceil(top/step)*step)
	y0, x1 := float64(panelTop+panelH), float64(x0+panelW)
	ypos := func(v float64) float64 { return y0 - v/top*panelH }
	xpos := func(i int) float64 {
		if len(losses) == 1 {
			return float64(x0) + panelW/2
		}
		return float64(x0) + 30 + float64(i)*(panelW-60)/float64(len(losses)-1)
	}
	fmt.Fprintf(b, `<text x="%d" y="%d" font-size="22">%s</text>`+"\n", x0, panelTop-14, html.EscapeString(title))
	for v := 0.0; v <= top+step/2; v += step {
		y := ypos(v)
		fmt.Fprintf(b, `<line x1="%d" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#ddd"/><text x="%d" y="%.1f" font-size="18" text-anchor="end" fill="#444">%g</text>`+"\n",
			x0, y, x1, y, x0-8, y+6, v)
	}
	fmt.Fprintf(b, `<line x1="%d" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#444"/>`+"\n", x0, y0, x1, y0)
	for i, l := range losses {
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" font-size="20" text-anchor="middle">%g%%</text>`+"\n", xpos(i), y0+28, l*100)
	}
	fmt.Fprintf(b, `<text x="%.1f" y="%.1f" font-size="20" text-anchor="middle" fill="#444">packet loss, each way</text>`+"\n", float64(x0)+panelW/2, y0+58)
	for pi, p := range protos {
		var pts []string
		off := float64(pi-len(protos)/2) * 6 // whiskers side by side
		for i, l := range losses {
			for _, r := range rs {
				if r.Proto != p || r.Loss != l {
					continue
				}
				mid, hi := value(r)
				x := xpos(i) + off
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", x, ypos(mid)))
				if hi > mid {
					fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="2"/><line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="2"/>`+"\n",
						x, ypos(mid), x, ypos(hi), chartColor(p), x-5, ypos(hi), x+5, ypos(hi), chartColor(p))
				}
				fmt.Fprintf(b, `<circle cx="%.1f" cy="%.1f" r="5" fill="%s"><title>%s, %g%% loss: %g ms</title></circle>`+"\n",
					x, ypos(mid), chartColor(p), html.EscapeString(p), l*100, mid)
			}
		}
		if len(pts) > 1 {
			fmt.Fprintf(b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="3"/>`+"\n", joinPts(pts), chartColor(p))
		}
	}
}

func joinPts(pts []string) string {
	var b bytes.Buffer
	for i, p := range pts {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(p)
	}
	return b.String()
}

// niceStep rounds x up to 1, 2 or 5 times a power of ten.
func niceStep(x float64) float64 {
	if x <= 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= x {
			return m * p
		}
	}
	return 10 * p
}
