package main

import (
	"fmt"
	"html"
	"math"
	"slices"
	"strings"
	"time"
)

// Chart geometry: three panels, one above the other, sharing the time axis.
const (
	chartW      = 900
	panelH      = 170
	marginL     = 70
	marginR     = 150 // legend
	marginT     = 60
	panelGap    = 40
	marginB     = 40
	plotW       = chartW - marginL - marginR
	chartPanels = 3
)

// A line is one series drawn in a panel.
type line struct {
	name  string
	color string
	get   func(sample) float64
}

// A panel is one chart of the SVG.
type panel struct {
	title string
	lines []line
}

var panels = [chartPanels]panel{
	{"memory (MiB)", []line{
		{"RSS", "#d62728", func(s sample) float64 { return mib(s.RSS) }},
		{"heap in use", "#1f77b4", func(s sample) float64 { return mib(s.HeapInUse) }},
		{"heap live (last GC)", "#2ca02c", func(s sample) float64 { return mib(s.HeapLive) }},
	}},
	{"goroutines", []line{
		{"goroutines", "#9467bd", func(s sample) float64 { return float64(s.Goroutines) }},
	}},
	{"open file descriptors", []line{
		{"fds", "#ff7f0e", func(s sample) float64 { return float64(s.FDs) }},
	}},
}

// chart draws r's series as an SVG: memory, goroutines and fds over time.
func chart(r *report) []byte {
	h := marginT + chartPanels*panelH + (chartPanels-1)*panelGap + marginB
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", chartW, h, chartW, h)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	flat, _ := r.flat()
	verdict := "flat"
	if !flat {
		verdict = "not flat"
	}
	fmt.Fprintf(&b, `<text x="%d" y="22" font-size="15">%s</text>`+"\n", marginL, html.EscapeString(fmt.Sprintf(
		"trio soak %s: %v, %d req/s h1/h2/h3, %d idle WebSockets: %s",
		r.Started.Format("2006-01-02 15:04Z"), r.Options.Duration, r.Options.Rate, r.Options.WS, verdict)))
	all := append(slices.Clip(r.Series), r.After...)
	var tmax, end time.Duration
	if n := len(all); n > 0 {
		tmax = all[n-1].T
	}
	if n := len(r.Series); n > 0 && len(r.After) > 0 {
		end = r.Series[n-1].T
	}
	tmax = max(tmax, time.Second)
	for i, p := range panels {
		top := marginT + i*(panelH+panelGap)
		drawPanel(&b, p, all, top, tmax, end, i == chartPanels-1)
	}
	b.WriteString("</svg>\n")
	return []byte(b.String())
}

// drawPanel draws p's lines over series; end, if not zero, is where the
// load stopped, marked with a dashed line.
func drawPanel(b *strings.Builder, p panel, series []sample, top int, tmax, end time.Duration, timeLabels bool) {
	ymax := 0.0
	for _, l := range p.lines {
		for _, s := range series {
			ymax = math.Max(ymax, l.get(s))
		}
	}
	ymax, step := niceScale(ymax)
	x := func(t time.Duration) float64 { return marginL + float64(plotW)*t.Seconds()/tmax.Seconds() }
	y := func(v float64) float64 { return float64(top+panelH) - float64(panelH)*v/ymax }

	fmt.Fprintf(b, `<text x="%d" y="%d" font-weight="bold">%s</text>`+"\n", marginL, top-6, html.EscapeString(p.title))
	for v := 0.0; v <= ymax+step/2; v += step {
		fmt.Fprintf(b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#ddd"/>`+"\n", marginL, marginL+plotW, y(v), y(v))
		fmt.Fprintf(b, `<text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n", marginL-6, y(v)+4, num(v))
	}
	tstep := timeStep(tmax)
	for t := time.Duration(0); t <= tmax; t += tstep {
		fmt.Fprintf(b, `<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="#eee"/>`+"\n", x(t), x(t), top, top+panelH)
		if timeLabels {
			fmt.Fprintf(b, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n", x(t), top+panelH+16, tickLabel(t))
		}
	}
	fmt.Fprintf(b, `<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#888"/>`+"\n", marginL, top, plotW, panelH)
	if end > 0 {
		fmt.Fprintf(b, `<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="#444" stroke-dasharray="4 3"/>`+"\n", x(end), x(end), top, top+panelH)
		fmt.Fprintf(b, `<text x="%.1f" y="%d" font-size="10" fill="#444">load stopped</text>`+"\n", x(end)+3, top+11)
	}
	for i, l := range p.lines {
		var pts strings.Builder
		for _, s := range series {
			fmt.Fprintf(&pts, "%.1f,%.1f ", x(s.T), y(l.get(s)))
		}
		fmt.Fprintf(b, `<polyline fill="none" stroke="%s" stroke-width="1.5" points="%s"/>`+"\n", l.color, strings.TrimSpace(pts.String()))
		ly := top + 14 + i*18
		fmt.Fprintf(b, `<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="%s" stroke-width="3"/>`+"\n", marginL+plotW+10, marginL+plotW+28, ly-4, ly-4, l.color)
		fmt.Fprintf(b, `<text x="%d" y="%d">%s</text>`+"\n", marginL+plotW+32, ly, html.EscapeString(l.name))
	}
	if timeLabels {
		fmt.Fprintf(b, `<text x="%d" y="%d" text-anchor="middle">time since the load started</text>`+"\n", marginL+plotW/2, top+panelH+34)
	}
}

// niceScale returns an axis maximum at or above v and a step of 1, 2 or 5
// times a power of ten that divides it into at most five parts.
func niceScale(v float64) (top, step float64) {
	if v <= 0 {
		return 1, 0.2
	}
	raw := v / 5
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if step = m * p; step >= raw {
			break
		}
	}
	return math.Ceil(v/step) * step, step
}

// timeStep is a round interval giving at most about ten time ticks.
func timeStep(d time.Duration) time.Duration {
	for _, s := range []time.Duration{time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second,
		30 * time.Second, time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 30 * time.Minute} {
		if d/s <= 10 {
			return s
		}
	}
	return time.Hour
}

// tickLabel is t as "5m" in whole minutes, else as "90s" under two
// minutes, or "5m30s".
func tickLabel(t time.Duration) string {
	if t > 0 && t%time.Minute == 0 {
		return fmt.Sprintf("%dm", int(t.Minutes()))
	}
	if t < 2*time.Minute {
		return fmt.Sprintf("%ds", int(t.Seconds()))
	}
	return fmt.Sprintf("%dm%ds", int(t.Minutes()), int(t.Seconds())%60)
}

func num(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}
