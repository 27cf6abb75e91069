# Sourced by test.sh: makes sure Debian's Firefox ESR is there for the Firefox e2e test
# (WebDriver BiDi's webExtension.install needs 13x; bookworm-security carries 15x ESR).
if [ ! -x /usr/bin/firefox-esr ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "weft: installing Debian firefox-esr (apt-get)"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq firefox-esr >/dev/null
  else
    echo "weft: /usr/bin/firefox-esr is missing; install it with: sudo apt-get install firefox-esr" >&2
    exit 1
  fi
fi
