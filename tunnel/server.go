package tunnel

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/go-logr/logr"
	"github.com/gorilla/websocket"
)

// Server is the pod's end: a WebSocket at any path ending in Path, each
// one piped to a new TCP connection to Target. The proxy in front has
// authorized the request (forward-auth), so Server checks nothing but
// the Origin: a browser page of another site may not open a tunnel with
// its user's session cookie.
type Server struct {
	// Target is the host:port in the pod, e.g. 127.0.0.1:22.
	Target string
	// DialTimeout bounds the connection to Target; 0: 5 s.
	DialTimeout time.Duration
	Log         logr.Logger
}

var upgrader = websocket.Upgrader{
	ReadBufferSize:  chunk,
	WriteBufferSize: chunk,
	// Default CheckOrigin: no Origin (a desktop client) or the request's
	// own host.
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasSuffix(r.URL.Path, Path) {
		http.Error(w, "the tunnel is at <workspace URL>"+strings.TrimPrefix(Path, "/")+"; this sidecar serves nothing else", http.StatusNotFound)
		return
	}
	if r.Method == http.MethodHead {
		// Forward's heartbeat: the proxy let it through, which is its point.
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if !websocket.IsWebSocketUpgrade(r) {
		http.Error(w, "the tunnel is a WebSocket: connect with `weir workspace connect`", http.StatusBadRequest)
		return
	}
	timeout := s.DialTimeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	// Dial first: a refused port answers 502 with the reason, which the
	// client shows, rather than a WebSocket that closes at once.
	conn, err := net.DialTimeout("tcp", s.Target, timeout)
	if err != nil {
		s.Log.Info("tunnel target not reachable", "target", s.Target, "error", err.Error())
		http.Error(w, fmt.Sprintf("nothing accepts connections on %s in the Workspace's pod (is the server for the tunnel running?): %v", s.Target, err),
			http.StatusBadGateway)
		return
	}
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		conn.Close() // Upgrade answered the client already
		return
	}
	user := r.Header.Get("X-Weir-User")
	s.Log.V(1).Info("tunnel opened", "user", user, "remote", r.RemoteAddr)
	start := time.Now()
	if err := Pipe(ws, conn); err != nil {
		s.Log.V(1).Info("tunnel ended with an error", "user", user, "error", err.Error())
	}
	s.Log.V(1).Info("tunnel closed", "user", user, "duration", time.Since(start).Round(time.Millisecond).String())
}
