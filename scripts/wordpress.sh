#!/usr/bin/env bash
# A real WordPress (Debian's package, 6.1) behind a real Varnish, for the online-copy tests.
#
#   bash scripts/wordpress.sh DIR WP_PORT VARNISH_PORT
#
# Installs Debian's wordpress php-cli php-mysql php-gd varnish if missing, then lays out a fresh
# site in DIR: its own database in the local MariaDB (re-created, so each call starts empty),
# wp-config, uploads folder, a router for `php -S`, a VCL that lets localhost PURGE and BAN, and
# an administrator with an application password, written to DIR/site.json. It starts nothing:
# the tests' fixture runs `php -S` and `varnishd` (commands in DIR/site.json) and stops them.
# Exit 10: the packages could not be installed. Idempotent: packages are installed once; the site is rebuilt the same way every time.
set -euo pipefail
dir=${1:?usage: wordpress.sh DIR WP_PORT VARNISH_PORT}
wp_port=${2:?WP_PORT}
v_port=${3:?VARNISH_PORT}
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
WP=/usr/share/wordpress

missing=()
[ -f "$WP/wp-settings.php" ] || missing+=(wordpress)
command -v php >/dev/null 2>&1 || missing+=(php-cli)
php -r 'exit(extension_loaded("mysqli") ? 0 : 1);' 2>/dev/null || missing+=(php-mysql)
php -r 'exit(extension_loaded("gd") ? 0 : 1);' 2>/dev/null || missing+=(php-gd)
command -v varnishd >/dev/null 2>&1 || missing+=(varnish)
if [ ${#missing[@]} -gt 0 ]; then
  echo "wordpress: installing Debian's ${missing[*]}"
  if ! { as_root apt-get update -qq &&
         as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; }; then
    echo "wordpress: could not install ${missing[*]}" >&2
    exit 10  # the tests skip on this code, and only on it
  fi
fi
# Debian's wp-config.php reads /etc/wordpress/config-<name>.php; ours forwards to the site's own.
hook=/etc/wordpress/config-wirefix-test.php
want='<?php require getenv("WIREFIX_WP_CONFIG");'
if [ "$(cat "$hook" 2>/dev/null)" != "$want" ]; then
  printf '%s' "$want" | as_root tee "$hook" >/dev/null
fi

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
db="wirefix_wp_$(printf '%s' "$dir" | sha256sum | cut -c1-12)"
mysql -h 127.0.0.1 -u root -e "DROP DATABASE IF EXISTS $db; CREATE DATABASE $db CHARACTER SET utf8mb4"
rm -rf "$dir/wp-content"
mkdir -p "$dir/wp-content/uploads" "$dir/wp-content/plugins" "$dir/varnish"
ln -s "$WP/wp-content/themes" "$dir/wp-content/themes"
home="http://127.0.0.1:$v_port"
salt=$(head -c 32 /dev/urandom | sha256sum | cut -d' ' -f1)

cat > "$dir/wp-config.php" <<PHP
<?php
define('DB_NAME', '$db');
define('DB_USER', 'root');
define('DB_PASSWORD', '');
define('DB_HOST', '127.0.0.1:3306');
define('WP_HOME', '$home');
define('WP_SITEURL', '$home');
define('WP_CONTENT_DIR', '$dir/wp-content');
define('WP_CONTENT_URL', '$home/wp-content');
define('WP_ENVIRONMENT_TYPE', 'local');
define('DISABLE_WP_CRON', true);
define('AUTOMATIC_UPDATER_DISABLED', true);
define('WP_HTTP_BLOCK_EXTERNAL', true);
foreach (['AUTH_KEY', 'SECURE_AUTH_KEY', 'LOGGED_IN_KEY', 'NONCE_KEY', 'AUTH_SALT',
          'SECURE_AUTH_SALT', 'LOGGED_IN_SALT', 'NONCE_SALT'] as \$k) { define(\$k, '$salt' . \$k); }
\$table_prefix = 'wp_';
PHP

# php -S: uploads from the site's own wp-content, everything else from Debian's WordPress.
cat > "$dir/router.php" <<'PHP'
<?php
$_SERVER['WORDPRESS_CONFIG'] = 'wirefix-test';
$path = parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH) ?: '/';
$root = '/usr/share/wordpress';
if (str_starts_with($path, '/wp-content/')) {
    $file = realpath(getenv('WIREFIX_WP_CONTENT') . substr($path, 11));
    if ($file === false || !is_file($file) || str_ends_with($file, '.php')) {
        http_response_code(404);
        echo "not found\n";
        return true;
    }
    $types = ['jpg' => 'image/jpeg', 'jpeg' => 'image/jpeg', 'png' => 'image/png',
              'css' => 'text/css', 'js' => 'application/javascript', 'webp' => 'image/webp'];
    $ext = strtolower(pathinfo($file, PATHINFO_EXTENSION));
    header('Content-Type: ' . ($types[$ext] ?? 'application/octet-stream'));
    header('Content-Length: ' . filesize($file));
    readfile($file);
    return true;
}
$script = ($path !== '/' && str_ends_with($path, '.php') && is_file($root . $path))
    ? $root . $path : $root . '/index.php';
if ($path !== '/' && !str_ends_with($path, '.php') && is_file($root . $path)) {
    return false;  // a core asset
}
$_SERVER['SCRIPT_FILENAME'] = $script;
$_SERVER['SCRIPT_NAME'] = $_SERVER['PHP_SELF'] = substr($script, strlen($root));
chdir(dirname($script));
require $script;
PHP

# The installer: the site, its administrator and an application password (wp-cli is not in
# Debian 12).
cat > "$dir/install.php" <<'PHP'
<?php
$_SERVER['HTTP_HOST'] = '127.0.0.1';
$_SERVER['WORDPRESS_CONFIG'] = 'wirefix-test';
$_SERVER['REQUEST_URI'] = '/';
define('WP_INSTALLING', true);
require '/usr/share/wordpress/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
$pw = wp_generate_password(24);
wp_install('wirefix test site', 'editor', 'editor@wirefix.example', false, '', $pw);
update_option('permalink_structure', '');
$user = get_user_by('login', 'editor');
[$app_pw] = WP_Application_Passwords::create_new_application_password(
    $user->ID, ['name' => 'wirefix']
);
echo json_encode(['user' => 'editor', 'password' => $app_pw]);
PHP

export WIREFIX_WP_CONFIG="$dir/wp-config.php" WIREFIX_WP_CONTENT="$dir/wp-content"
creds=$(php "$dir/install.php" 2>"$dir/install.log" | tail -c 200)
case "$creds" in '{"user"'*) ;; *) echo "wordpress: install failed (see $dir/install.log)" >&2; exit 1;; esac

cat > "$dir/default.vcl" <<VCL
vcl 4.1;
backend default { .host = "127.0.0.1"; .port = "$wp_port"; }
acl purgers { "127.0.0.1"; "localhost"; }
sub vcl_recv {
  if (req.method == "PURGE") {
    if (client.ip !~ purgers) { return (synth(405, "Not allowed")); }
    return (purge);
  }
  if (req.method == "BAN") {
    if (client.ip !~ purgers) { return (synth(405, "Not allowed")); }
    if (!req.http.X-Ban-Url) { return (synth(400, "X-Ban-Url missing")); }
    ban("obj.http.X-Url ~ " + req.http.X-Ban-Url);
    return (synth(200, "Banned"));
  }
  if (req.url ~ "rest_route=" || req.url ~ "^/wp-(admin|login)") { return (pass); }
  unset req.http.Cookie;
  unset req.http.Authorization;
  return (hash);
}
sub vcl_backend_response {
  set beresp.http.X-Url = bereq.url;
  if (bereq.url !~ "rest_route=") {
    unset beresp.http.Set-Cookie;
    set beresp.ttl = 1h;
    set beresp.grace = 0s;
    return (deliver);
  }
}
sub vcl_deliver {
  set resp.http.X-Cache = if (obj.hits > 0) { "HIT" } else { "MISS" };
  unset resp.http.X-Url;
}
VCL
# VCL 4.1 has no inline if-expressions; keep the delivery header simple.
sed -i 's/set resp.http.X-Cache = if (obj.hits > 0) { "HIT" } else { "MISS" };/if (obj.hits > 0) { set resp.http.X-Cache = "HIT"; } else { set resp.http.X-Cache = "MISS"; }/' "$dir/default.vcl"

python3 - "$dir" "$wp_port" "$v_port" "$creds" "$db" <<'PYEOF'
import json, sys
d, wp_port, v_port, creds = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
site = {
    "database": sys.argv[5],
    "origin": f"http://127.0.0.1:{wp_port}",
    "public": f"http://127.0.0.1:{v_port}",
    **creds,
    "env": {"WIREFIX_WP_CONFIG": f"{d}/wp-config.php", "WIREFIX_WP_CONTENT": f"{d}/wp-content",
            "PHP_CLI_SERVER_WORKERS": "4"},
    "wordpress": ["php", "-d", "upload_max_filesize=64M", "-d", "post_max_size=64M",
                  "-d", "memory_limit=256M", "-S", f"127.0.0.1:{wp_port}",
                  "-t", "/usr/share/wordpress", f"{d}/router.php"],
    "varnish": ["varnishd", "-F", "-j", "none", "-a", f"127.0.0.1:{v_port}", "-f", f"{d}/default.vcl",
                "-n", f"{d}/varnish", "-s", "malloc,32m"],
}
with open(f"{d}/site.json", "w", encoding="utf-8") as f:
    json.dump(site, f, indent=1)
PYEOF
echo "wordpress: site ready in $dir (WordPress 127.0.0.1:$wp_port, Varnish 127.0.0.1:$v_port)"
