package delivery_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/sloguard/sloguard/internal/delivery"
)

// TestURLErrorsNeverQuoteCredentials plants a password and a token in URLs
// that are refused for every reason a URL can be refused, the forms without
// "//" included, and looks for them in the error.
func TestURLErrorsNeverQuoteCredentials(t *testing.T) {
	for _, raw := range []string{
		"http://alice:pw-s3cr3t@am:port/?token=tk-s3cr3t",
		"http://alice:pw-s3cr3t@am/%zz?token=tk-s3cr3t",
		"alice:pw-s3cr3t@am:9093",
		"https:alice:pw-s3cr3t@am",
		"ftp://alice:pw-s3cr3t@am/?token=tk-s3cr3t",
		"http://alice:pw-s3cr3t@am/#access_token=tk-s3cr3t",
		"http:/alice:pw-s3cr3t@am",
		"http://alice:pw-s3cr3t@/x?token=tk-s3cr3t",
	} {
		_, errs := delivery.Resolve([]delivery.Option{delivery.WithURL(raw)})
		err := errors.Join(errs...)
		if err == nil {
			t.Errorf("a URL was accepted that should not be (its form is one of the planted ones)")
			continue
		}
		for _, secret := range []string{"pw-s3cr3t", "tk-s3cr3t", "alice"} {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error %q shows %q", err, secret)
			}
		}
	}
}
