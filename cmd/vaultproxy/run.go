package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"

	"github.com/hashicorp/hcl/v2"
	"github.com/vaultproxy/vaultproxy/runtime"
	"github.com/vaultproxy/vaultproxy/runtime/gcfloor"
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
	l := loadPaths(paths, io.in, cf.overrides, env)
	if l.usageError("run", io.err) {
		return exitUsage
	}
	printDiagnostics(io, l, cf.noColor, env)
	if l.diags.HasErrors() {
		return exitError
	}
	plan := l.plan
	// A floor for the collector's heap goal (runtime/gcfloor: issue 12), unless GOGC is set.
	gcfloor.Start(gcfloor.Default, env)
	sd := newSystemd(io, env)
	opts := runtime.Options{LogOutput: io.err}
	if sd.on() {
		// Only then: OnReady makes the runtime check Vault in the background from the start.
		opts.OnReady, opts.OnWaiting, opts.OnStopping = sd.ready, sd.waiting, sd.stopping
	}
	// The signals are registered before the runtime is built, as Vault Proxy registers its channels
	// when the command is made (hashicorp/vault command/commands.go MakeShutdownCh, MakeSighupCh),
	// before it builds the auto-auth method (command/proxy.go): building one may wait a long while
	// on a cloud metadata service, and until Notify a SIGHUP would kill the process (the default
	// action) and a SIGTERM would end it without a word. SIGINT or SIGTERM while starting ends the
	// process as a shutdown does (nothing serves yet); a SIGHUP while starting is kept (hup holds
	// one) and applied once started, as Vault Proxy's reload loop, which starts after the method is
	// built, receives the SIGHUP that its signal goroutine holds until then.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// hup stays registered until the process exits, as Vault Proxy's does (hashicorp/vault
	// command/commands.go MakeSighupCh never stops its channel): a SIGHUP that arrives
	// while the process exits after a shutdown (a reload racing a stop) would otherwise kill it by
	// the default action, and systemd would see the service killed by SIGHUP instead of exit status 0.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	rt, err := runtime.NewContext(ctx, plan, opts)
	if errors.Is(err, runtime.ErrStartStopped) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintln(io.err, "vaultproxy run:", err)
		return exitError
	}

	select {
	case s := <-hup:
		rt.Logger().Info("SIGHUP received while starting: the configuration is read again now that the proxy has started")
		select {
		case hup <- s: // for the loop below; when full, another SIGHUP already waits there
		default:
		}
	default:
	}
	done := make(chan struct{})
	defer close(done)
	// SIGHUPs are taken as they come, so that one arriving while a reload is under way (its build
	// may wait on a cloud metadata service, up to compile.RunReloadBuildTimeout) is logged at once;
	// the reloads themselves run one at a time, and SIGHUPs while one runs make one more.
	queued := make(chan struct{}, 1)
	var reloading atomic.Bool
	go func() {
		for {
			select {
			case <-done:
				return
			case <-hup:
			}
			if reloading.Load() {
				rt.Logger().Info("reload waiting: the previous reload is still in progress")
			}
			select {
			case queued <- struct{}{}:
			default: // one is queued already
			}
		}
	}()
	go func() {
		for {
			select {
			case <-done:
				return
			case <-queued:
			}
			reloading.Store(true)
			reloadOnce(ctx, rt, sd, paths, io, cf.overrides, env)
			reloading.Store(false)
		}
	}()
	if err := rt.Run(ctx); err != nil {
		fmt.Fprintln(io.err, "vaultproxy run:", err)
		return exitError
	}
	return exitOK
}

// reloadOnce is one SIGHUP's reload, announced to systemd; nothing once shutdown has begun.
func reloadOnce(ctx context.Context, rt *runtime.Runtime, sd *systemd, paths []string, io *stdio, overrides map[string]string, env func(string) (string, bool)) {
	if containsStdin(paths) {
		fmt.Fprintln(io.err, "vaultproxy run: SIGHUP ignored: the configuration was read from standard input and cannot be read again")
		return
	}
	if ctx.Err() != nil {
		// SIGINT or SIGTERM came first: shutting down, so no reload and nothing to systemd after
		// its STOPPING=1.
		rt.Logger().Info("SIGHUP ignored: shutting down")
		return
	}
	sd.reloading()
	res := reload(rt, paths, io, overrides, env)
	if ctx.Err() != nil {
		res = reloadAbandoned // shutdown began meanwhile: STOPPING=1 follows, not READY=1
	}
	sd.reloaded(res)
}

func containsStdin(paths []string) bool {
	for _, p := range paths {
		if p == "-" {
			return true
		}
	}
	return false
}

// reloadResult is how a reload ended, which systemd is told (systemd.reloaded).
type reloadResult int

const (
	reloadOK        reloadResult = iota
	reloadFailed                 // the running configuration keeps serving
	reloadAbandoned              // shutdown began while it was under way
)

// reload reads the configuration again and swaps it in. Its diagnostics and a failure go to the
// runtime's log, in its format and to its file, as everything else the running proxy reports: a
// log collector that parses JSON lines sees why a reload failed.
func reload(rt *runtime.Runtime, paths []string, io *stdio, overrides map[string]string, env func(string) (string, bool)) reloadResult {
	log := rt.Logger()
	l := loadPaths(paths, io.in, overrides, env)
	if l.usage != "" {
		log.Error("reload failed; the running configuration keeps serving", "error", l.usage)
		return reloadFailed
	}
	for _, d := range l.diags {
		attrs := []any{"detail", d.Detail}
		if d.Subject != nil {
			attrs = append(attrs, "range", d.Subject.String())
		}
		if d.Severity == hcl.DiagError {
			log.Error("reload: "+d.Summary, attrs...)
		} else {
			log.Warn("reload: "+d.Summary, attrs...)
		}
	}
	if l.diags.HasErrors() {
		log.Error("reload failed: the configuration is invalid; the running configuration keeps serving")
		return reloadFailed
	}
	err := rt.Swap(l.plan)
	if errors.Is(err, runtime.ErrStopped) {
		log.Info("reload abandoned: shutting down")
		return reloadAbandoned
	}
	if errors.Is(err, runtime.ErrReloadBuildTimeout) {
		log.Error("reload failed: " + err.Error() + "; the previous configuration keeps serving")
		return reloadFailed
	}
	if err != nil {
		log.Error("reload failed; the running configuration keeps serving", "error", err)
		return reloadFailed
	}
	return reloadOK
}
