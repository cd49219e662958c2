package sink

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
)

// authorize adds the one credential header: the API key, else the
// service-account token, else none (§1.2).
func (c *Client) authorize(req *http.Request) error {
	if c.apiKey != "" {
		req.Header.Set("X-API-Key", c.apiKey)
		return nil
	}
	data, err := os.ReadFile(c.tokenFile)
	if errors.Is(err, os.ErrNotExist) {
		c.noCreds.Do(func() {
			c.log.Warn("no Marmot credentials: no API key (--api-key, MARMOT_API_KEY) and no service-account token; sending requests without authentication", "token_file", c.tokenFile)
		})
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading the service-account token: %w", err)
	}
	if token := strings.TrimSpace(string(data)); token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return nil
}
