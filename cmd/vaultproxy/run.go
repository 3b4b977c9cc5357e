package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/vaultproxy/vaultproxy/compile"
	"github.com/vaultproxy/vaultproxy/runtime"
)

// cmdRun is `vaultproxy run [flags] PATH...`: compile and validate as validate does (an invalid
// configuration never starts, with the same diagnostics), then serve the plan until SIGINT or SIGTERM.
// SIGHUP reads the files and the environment again and swaps in the new plan when it is valid; when
// it is not, the diagnostics are printed and the running plan keeps serving. Under systemd
// (Type=notify, $NOTIFY_SOCKET) it sends READY=1 once listening and ready (and, until then, STATUS=
// lines saying what is missing), RELOADING=1 and READY=1 around each reload, and STOPPING=1 at
// shutdown.
func cmdRun(args []string, io *stdio, env func(string) (string, bool)) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(io.err)
	var cf configFlags
	cf.register(fs)
	fs.Usage = func() {
		fmt.Fprintln(io.err, "Usage: vaultproxy run [flags] PATH...\n\nRuns a Vault Proxy configuration (or a plan file written by 'vaultproxy plan -out') as an API proxy in front of Vault.\nSIGHUP reloads the configuration; SIGINT and SIGTERM stop gracefully.\n\nFlags:")
		fs.PrintDefaults()
	}
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return exitUsage
	}
	paths, ok := configPaths("run", &cf, pos, io.err)
	if !ok {
		return exitUsage
	}
	usage := false
	loadPlan := func() (*compile.Plan, bool) {
		l := loadPaths(paths, io.in, cf.overrides, env)
		if usage = l.usageError("run", io.err); usage {
			return nil, false
		}
		printDiagnostics(io, l, cf.noColor, env)
		return l.plan, !l.diags.HasErrors()
	}
	plan, ok := loadPlan()
	if usage {
		return exitUsage
	}
	if !ok {
		return exitError
	}
	sd := newSystemd(io, env)
	opts := runtime.Options{LogOutput: io.err}
	if sd.on() {
		// Only then: OnReady makes the runtime check Vault in the background from the start.
		opts.OnReady, opts.OnWaiting, opts.OnStopping = sd.ready, sd.waiting, sd.stopping
	}
	rt, err := runtime.New(plan, opts)
	if err != nil {
		fmt.Fprintln(io.err, "vaultproxy run:", err)
		return exitError
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			select {
			case <-done:
				return
			case <-hup:
			}
			if containsStdin(paths) {
				fmt.Fprintln(io.err, "vaultproxy run: SIGHUP ignored: the configuration was read from standard input and cannot be read again")
				continue
			}
			sd.reloading()
			next, ok := loadPlan()
			if !ok {
				fmt.Fprintln(io.err, "vaultproxy run: reload failed: the configuration is invalid; the running configuration keeps serving")
				sd.reloaded(false)
				continue
			}
			err := rt.Swap(next)
			if err != nil {
				fmt.Fprintln(io.err, "vaultproxy run: reload failed; the running configuration keeps serving:", err)
			}
			sd.reloaded(err == nil)
		}
	}()
	if err := rt.Run(ctx); err != nil {
		fmt.Fprintln(io.err, "vaultproxy run:", err)
		return exitError
	}
	return exitOK
}

func containsStdin(paths []string) bool {
	for _, p := range paths {
		if p == "-" {
			return true
		}
	}
	return false
}
