// A small HTTP service on the standard library only: no module to download, one static binary.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"os/user"
	"runtime"
	"strconv"
	"syscall"
	"time"
)

const addr = ":8080"

func main() {
	healthcheck := flag.Bool("healthcheck", false, "GET /health on this container's port and exit 0 if it answers 200")
	version := flag.Bool("version", false, "print the Go version and platform, then exit")
	// scratch has no shell, no curl and no date: these run what the service itself would do
	// in production (an HTTPS call, a time zone, a user lookup), so the image can be checked.
	get := flag.String("get", "", "GET this URL, print the HTTP status and exit 0 if it is 200")
	zone := flag.String("zone", "", "print the UTC offset of this IANA time zone and exit")
	whoami := flag.Bool("whoami", false, "print the user name and home directory of this process")
	flag.Parse()

	switch {
	case *version:
		fmt.Printf("%s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	case *healthcheck:
		os.Exit(check("http://127.0.0.1" + addr + "/health"))
	case *get != "":
		os.Exit(check(*get))
	case *zone != "":
		os.Exit(offset(*zone))
	case *whoami:
		os.Exit(current())
	default:
		serve()
	}
}

func offset(name string) int {
	location, err := time.LoadLocation(name)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	// A fixed instant, so the answer does not depend on daylight saving time.
	fmt.Println(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).In(location).Format("-07:00"))
	return 0
}

func current() int {
	me, err := user.Current()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Printf("uid=%s name=%s home=%s HOME=%s\n", me.Uid, me.Username, me.HomeDir, os.Getenv("HOME"))
	return 0
}

func check(url string) int {
	client := http.Client{Timeout: 2 * time.Second}
	response, err := client.Get(url)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer response.Body.Close()
	fmt.Println(response.StatusCode)
	if response.StatusCode != http.StatusOK {
		return 1
	}
	return 0
}

func serve() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"status": "ok"})
	})
	// A request that takes a while, to show that `docker stop` lets it finish.
	mux.HandleFunc("GET /slow", func(w http.ResponseWriter, r *http.Request) {
		seconds, err := strconv.ParseFloat(r.URL.Query().Get("seconds"), 64)
		if err != nil || seconds < 0 || seconds > 30 {
			seconds = 2
		}
		time.Sleep(time.Duration(seconds * float64(time.Second)))
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]float64{"slept": seconds})
	})
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{
			"message":  "hello from a static binary",
			"platform": runtime.GOOS + "/" + runtime.GOARCH,
		})
	})
	server := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}

	// PID 1 in a container: on SIGTERM (docker stop) stop accepting connections, let the
	// requests in flight finish, then exit 0. ListenAndServe returns as soon as Shutdown
	// starts, so main waits for Shutdown itself to return before it exits.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	drained := make(chan error, 1)
	go func() {
		<-ctx.Done()
		// Under the 10 s docker stop waits before SIGKILL.
		shutdown, cancel := context.WithTimeout(context.Background(), 8*time.Second)
		defer cancel()
		drained <- server.Shutdown(shutdown)
	}()

	log.Printf("listening on %s", addr)
	if err := server.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
	if err := <-drained; err != nil {
		log.Fatalf("requests still running at the deadline: %v", err)
	}
	log.Print("stopped")
}
