// Command ferretdb runs an embedded FerretDB (MongoDB wire protocol) on the
// SQLite backend for local development and CI.
//
// We embed github.com/FerretDB/FerretDB/ferretdb in a module of our own instead
// of `go install`ing cmd/ferretdb: the published module lacks
// build/version/version.txt, so the stock binary panics at start (FerretDB #2982).
// Embedded mode also keeps telemetry off.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	_ "net/http/pprof" // served only with -pprof-listen
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:27017", "TCP address to listen on (keep it on loopback)")
	dataDir := flag.String("data-dir", ".local/ferretdb/data", "directory for the SQLite files (created if missing)")
	logLevel := flag.String("log-level", "warn", "log level: debug, info, warn or error")
	synchronous := flag.String("sqlite-synchronous", "normal", "SQLite synchronous pragma: normal (our default) or full (SQLite's default in WAL mode)")
	pgURL := flag.String("postgresql-url", "", "use the PostgreSQL backend at this URL instead of SQLite (fallback, see docs/local-infra.md)")
	pprofListen := flag.String("pprof-listen", "", "serve Go's pprof on this loopback address (e.g. 127.0.0.1:6060), to profile the store; off by default")
	flag.Parse()

	// Go's default GOGC (100) spent about a tenth of the store's CPU in GC under write load; its
	// live heap is small (tens of MB), so collect less often unless GOGC is set. Import bench: +10%.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}

	if *pprofListen != "" {
		go func() { fmt.Fprintln(os.Stderr, "ferretdb: pprof:", http.ListenAndServe(*pprofListen, nil)) }()
	}

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	dir, err := filepath.Abs(*dataDir)
	if err != nil {
		fatal(err)
	}
	// The SQLite backend wants an existing directory and a "file:" URL ending in "/".
	if err = os.MkdirAll(dir, 0o755); err != nil {
		fatal(err)
	}

	conf := &ferretdb.Config{
		Listener: ferretdb.ListenerConfig{TCP: *listen},
		Logger:   logger,
		Handler:  "sqlite",
		// WAL (FerretDB's default) with synchronous=NORMAL: a commit no longer waits for an
		// fsync, only checkpoints do. Safe against a crash of FerretDB; a power loss may
		// drop the last commits, which is fine for a local development and test store.
		SQLiteURL: "file:" + dir + "/?_pragma=synchronous(" + url.QueryEscape(*synchronous) + ")",
	}
	where := "data in " + dir
	if *pgURL != "" {
		conf.Handler, conf.SQLiteURL, conf.PostgreSQLURL = "postgresql", "", *pgURL
		where = "PostgreSQL backend"
	}

	f, err := ferretdb.New(conf)
	if err != nil {
		fatal(err)
	}

	// Run returns once ctx is cancelled, after closing the listener, the
	// connections and the SQLite databases: a clean stop on SIGTERM/SIGINT.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	fmt.Fprintf(os.Stderr, "ferretdb: listening on %s, %s\n", *listen, where)
	if err = f.Run(ctx); err != nil {
		fatal(err)
	}
	fmt.Fprintln(os.Stderr, "ferretdb: stopped")
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "ferretdb:", err)
	os.Exit(1)
}
