package lab

import (
	"encoding/xml"
	"strings"
	"testing"
)

func TestChartSVG(t *testing.T) {
	var rs []Result
	for _, p := range DefaultProtos {
		for i, loss := range DefaultLoss {
			m := float64(100*(i+1)) + float64(len(p))
			rs = append(rs, Result{Proto: p, Loss: loss, DelayMS: 20, Runs: 8, MedianMS: m, P95MS: 2 * m, StallMS: m / 4})
		}
	}
	svg := ChartSVG(rs)
	var doc struct {
		XMLName   xml.Name `xml:"svg"`
		Polylines []struct {
			Stroke string `xml:"stroke,attr"`
		} `xml:"polyline"`
		Texts []string `xml:"text"`
	}
	if err := xml.Unmarshal(svg, &doc); err != nil {
		t.Fatalf("not XML: %v\n%s", err, svg)
	}
	// One line per protocol in each of the two panels.
	if got, want := len(doc.Polylines), 2*len(DefaultProtos); got != want {
		t.Errorf("%d lines; want %d", got, want)
	}
	text := strings.Join(doc.Texts, "|")
	for _, want := range []string{"h1 (6 conns)", "h2 (1 conn)", "h3 (QUIC)", "5%", "20 ms each way, 8 page loads", "page-complete time (ms)"} {
		if !strings.Contains(text, want) {
			t.Errorf("the chart does not say %q; its texts: %s", want, text)
		}
	}
	if len(ChartSVG(nil)) == 0 {
		t.Error("ChartSVG(nil) is empty; want an empty chart")
	}
}

func TestNiceStep(t *testing.T) {
	for _, tt := range []struct{ in, want float64 }{{0, 1}, {0.3, 0.5}, {7, 10}, {120, 200}, {2000, 2000}, {4001, 5000}} {
		if got := niceStep(tt.in); got != tt.want {
			t.Errorf("niceStep(%g) = %g; want %g", tt.in, got, tt.want)
		}
	}
}
