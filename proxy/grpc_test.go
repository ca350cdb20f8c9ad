package proxy

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/triohttp/trio/tlsconf"
	"github.com/triohttp/trio/triotest"
	"github.com/triohttp/trio/triotest/testcert"
)

// grpcUpstream runs a gRPC server with the health service on an h2c
// listener: service "ok" is SERVING, "down" NOT_SERVING, any other
// unknown (NotFound). It returns the h2c:// URL.
func grpcUpstream(t *testing.T) string { return grpcUpstreamTLS(t, nil) }

// grpcUpstreamTLS is grpcUpstream over TLS with ca's certificate if ca is
// not nil: an https:// URL.
func grpcUpstreamTLS(t *testing.T, ca *tlsconf.LocalCA) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var opts []grpc.ServerOption
	scheme := "h2c://"
	if ca != nil {
		opts, scheme = append(opts, grpc.Creds(credentials.NewTLS(ca.TLSConfig()))), "https://"
	}
	srv := grpc.NewServer(opts...)
	hs := health.NewServer()
	hs.SetServingStatus("ok", healthpb.HealthCheckResponse_SERVING)
	hs.SetServingStatus("down", healthpb.HealthCheckResponse_NOT_SERVING)
	healthpb.RegisterHealthServer(srv, hs)
	done := make(chan struct{})
	go func() { defer close(done); srv.Serve(ln) }()
	t.Cleanup(func() {
		hs.Shutdown() // ends the Watch streams
		srv.Stop()
		<-done
	})
	return scheme + ln.Addr().String()
}

// TestGRPC: gRPC calls through the proxy to a grpc-go server on h2c, from
// grpc-go's client over h2 and h2c, and from a hand-framed HTTP/3 call
// (grpc-go has no HTTP/3): status codes and trailers intact, OK or not,
// and a server stream delivered message by message.
func TestGRPC(t *testing.T) { triotest.Run(t, testGRPC) }

func testGRPC(t *testing.T, m triotest.Mode) {
	if m.Base() == triotest.H1 {
		t.Skip("gRPC needs HTTP/2 or HTTP/3")
	}
	ts := front(t, m, &Handler{Pool: poolOf(t, grpcUpstream(t))})
	if m.Base() == triotest.H3 {
		testGRPCOverH3(t, ts)
		return
	}
	testGRPCClient(t, ts)
}

// TestGRPCOverTLS: the same calls to a grpc-go server over HTTP/2 with TLS
// (an https upstream trusted through CAFile), from h2 and h3 clients.
func TestGRPCOverTLS(t *testing.T) {
	ca := testcert.New(t).Source.(*tlsconf.LocalCA)
	up := grpcUpstreamTLS(t, ca)
	for _, m := range []triotest.Mode{triotest.H2, triotest.H3} {
		t.Run(string(m), func(t *testing.T) {
			tr := newTransport(t)
			tr.CAFile = ca.RootFile()
			ts := front(t, m, &Handler{Pool: poolOf(t, up), Transport: tr})
			if m == triotest.H3 {
				testGRPCOverH3(t, ts)
			} else {
				testGRPCClient(t, ts)
			}
		})
	}
}

// testGRPCClient makes health calls with grpc-go's client to ts.
func testGRPCClient(t *testing.T, ts *triotest.TS) {
	m := ts.Mode
	creds := insecure.NewCredentials()
	if m.TLS() {
		creds = credentials.NewTLS(ts.ClientTLS("h2"))
	}
	conn, err := grpc.NewClient(strings.SplitN(ts.URL, "://", 2)[1], grpc.WithTransportCredentials(creds))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := healthpb.NewHealthClient(conn)

	res, err := c.Check(ctx, &healthpb.HealthCheckRequest{Service: "ok"})
	if err != nil || res.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("Check(ok) = %v, %v; want SERVING", res, err)
	}
	_, err = c.Check(ctx, &healthpb.HealthCheckRequest{Service: "nope"})
	if status.Code(err) != codes.NotFound {
		t.Errorf("Check(nope) error = %v; want code NotFound", err)
	}
	watch, err := c.Watch(ctx, &healthpb.HealthCheckRequest{Service: "down"})
	if err != nil {
		t.Fatal(err)
	}
	first, err := watch.Recv() // arrives while the stream stays open
	if err != nil || first.GetStatus() != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Fatalf("Watch(down) first message = %v, %v; want NOT_SERVING", first, err)
	}
}

// testGRPCOverH3 makes unary health checks as gRPC frames over HTTP/3.
func testGRPCOverH3(t *testing.T, ts *triotest.TS) {
	for _, tt := range []struct {
		service string
		status  string // grpc-status
		serving healthpb.HealthCheckResponse_ServingStatus
	}{
		{"ok", "0", healthpb.HealthCheckResponse_SERVING},
		{"down", "0", healthpb.HealthCheckResponse_NOT_SERVING},
		{"nope", "5", 0}, // NOT_FOUND
	} {
		msg, _ := proto.Marshal(&healthpb.HealthCheckRequest{Service: tt.service})
		frame := append([]byte{0, 0, 0, 0, 0}, msg...)
		binary.BigEndian.PutUint32(frame[1:], uint32(len(msg)))
		req := newRequest(t, "POST", ts.URL+"/grpc.health.v1.Health/Check", bytes.NewReader(frame))
		req.Header.Set("Content-Type", "application/grpc")
		req.Header.Set("Te", "trailers")
		res := do(t, ts, req)
		body, err := io.ReadAll(res.Body)
		if err != nil || res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/grpc" {
			t.Fatalf("%s: %d %q %v; want 200 application/grpc", tt.service, res.StatusCode, res.Header.Get("Content-Type"), err)
		}
		got := res.Trailer.Get("Grpc-Status")
		if got == "" {
			got = res.Header.Get("Grpc-Status") // a trailers-only response
		}
		if got != tt.status {
			t.Errorf("%s: grpc-status %q (message %q); want %q", tt.service, got, res.Trailer.Get("Grpc-Message")+res.Header.Get("Grpc-Message"), tt.status)
		}
		if tt.status != "0" {
			continue
		}
		var out healthpb.HealthCheckResponse
		if len(body) < 5 || proto.Unmarshal(body[5:], &out) != nil || out.GetStatus() != tt.serving {
			t.Errorf("%s: body %x; want a framed %v", tt.service, body, tt.serving)
		}
	}
}
