package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/triohttp/trio/config"
)

func init() {
	commands["reload"] = command{reloadCmd, "make a running trio serve --config re-read its file"}
}

// reloadCmd asks a running trio serve --config to reload: through the
// admin listener, which answers with the result, or with SIGHUP to the
// process in the pid file, whose log tells the result.
func reloadCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("trio reload", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: trio reload [--admin ADDR | --pid-file FILE | --config FILE]\n\n"+
			"Makes a running trio serve --config re-read its file, keeping every connection.\n"+
			"With --config, the file's admin address is used if it has one, else its pid_file.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	admin := fs.String("admin", "", "POST /reload to the admin listener at this `address`, and print the result")
	pidFile := fs.String("pid-file", "", "send SIGHUP to the process whose id is in this `file`")
	cfgFile := fs.String("config", "", "the server's TOML `file`: use its admin or pid_file")
	if err := parseFlags(fs, args, stderr); errors.Is(err, flag.ErrHelp) {
		return exitOK
	} else if err != nil {
		return usageError(stderr, "reload", err)
	}
	if fs.NArg() > 0 {
		return usageError(stderr, "reload", fmt.Errorf("unexpected argument %q", fs.Arg(0)))
	}
	if n := count(*admin != "", *pidFile != "", *cfgFile != ""); n != 1 {
		return usageError(stderr, "reload", errors.New("give one of --admin, --pid-file or --config"))
	}
	if *cfgFile != "" {
		c, err := config.Load(*cfgFile)
		if err != nil {
			for _, line := range strings.Split(err.Error(), "\n") {
				fail(stderr, exitError, "reload: %s", line)
			}
			return exitError
		}
		switch {
		case c.Admin != "":
			*admin = c.Admin
		case c.PIDFile != "":
			*pidFile = c.PIDFile
		default:
			return fail(stderr, exitUsage, "reload: %s has neither admin nor pid_file; give --pid-file", *cfgFile)
		}
	}
	if *admin != "" {
		return reloadAdmin(ctx, *admin, stdout, stderr)
	}
	pid, err := readPIDFile(*pidFile)
	if err != nil {
		return fail(stderr, exitError, "reload: %v", err)
	}
	if err := signalReload(pid); err != nil {
		return fail(stderr, exitError, "reload: process %d: %v", pid, err)
	}
	fmt.Fprintf(stdout, "trio: sent SIGHUP to process %d; its log says whether the new file was taken\n", pid)
	return exitOK
}

func count(bs ...bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

// reloadAdmin posts to the admin listener's /reload and reports its answer.
func reloadAdmin(ctx context.Context, addr string, stdout, stderr io.Writer) int {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "POST", "http://"+addr+"/reload", nil)
	if err != nil {
		return fail(stderr, exitUsage, "reload: --admin %q: %v", addr, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fail(stderr, exitError, "reload: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	text := strings.TrimSpace(string(body))
	if resp.StatusCode != http.StatusOK {
		fail(stderr, exitError, "reload refused (%s); still serving the previous configuration:", resp.Status)
		for _, line := range strings.Split(text, "\n") {
			fmt.Fprintf(stderr, "  %s\n", line)
		}
		return exitError
	}
	fmt.Fprintf(stdout, "trio: %s\n", text)
	return exitOK
}
