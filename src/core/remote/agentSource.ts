// The server side of provision and deploy: one Python file, standard library only (Python >= 3.8, which every
// Debian 12/13 and Ubuntu 22.04/24.04 server has). It is sent on stdin for each call (see ./agent.ts), and a
// deploy copies it beside the app (by content hash) to run detached, so a dropped connection never stops a
// switch half-way. It makes no decisions about *what* to do: the TypeScript side plans, this file executes,
// holds the lock, writes the journal and undoes what failed.
//
// Rules kept here: secrets arrive only on stdin and are never printed, logged or put in an argument list;
// every file is written to a temporary name with its final mode and renamed; every argv is a list (no shell).
export const AGENT_SOURCE = String.raw`
import fcntl, grp, hashlib, hmac, json, os, pwd, re, secrets, shutil, signal, socket, stat, subprocess, sys, tarfile, time

OUT = sys.stdout

def emit(obj):
    OUT.write(json.dumps(obj) + "\n")
    OUT.flush()

class Fail(Exception):
    def __init__(self, message, output=""):
        Exception.__init__(self, message)
        self.output = output

def run(argv, check=True, env=None, input=None, timeout=None, cwd=None):
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, input=input, timeout=timeout, cwd=cwd)
    out = p.stdout.decode("utf-8", "replace")
    if check and p.returncode != 0:
        raise Fail("%s exited with %d" % (" ".join(argv[:3]), p.returncode), out)
    return p.returncode, out

def tail(text, n=40):
    lines = text.rstrip().splitlines()
    return "\n".join(lines[-n:])

def which(name, fallback):
    return shutil.which(name, path="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin") or fallback

def owner_of(st):
    try:
        u = pwd.getpwuid(st.st_uid).pw_name
    except KeyError:
        u = str(st.st_uid)
    try:
        g = grp.getgrgid(st.st_gid).gr_name
    except KeyError:
        g = str(st.st_gid)
    return u, g

def uid(name):
    return pwd.getpwnam(name).pw_uid

def gid(name):
    return grp.getgrnam(name).gr_gid

# ---------------------------------------------------------------- environment files

ENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$")

def parse_env(text):
    out = {}
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = ENV_LINE.match(line)
        if not m:
            continue
        v = m.group(2).strip()
        if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"":
            v = v[1:-1]
            if m.group(2).strip()[0] == '"':
                v = v.replace('\\"', '"').replace("\\\\", "\\")
        out[m.group(1)] = v
    return out

def format_env(values):
    lines = ["# Written by Cloudward: the app's secrets (systemd EnvironmentFile). Owner deploy, group the app, 0640."]
    for k in sorted(values):
        v = values[k]
        if re.match(r"^[A-Za-z0-9_./:@%+,=-]*$", v):
            lines.append("%s=%s" % (k, v))
        else:
            lines.append('%s="%s"' % (k, v.replace("\\", "\\\\").replace('"', '\\"')))
    return "\n".join(lines) + "\n"

def read_env(path):
    try:
        with open(path) as f:
            return parse_env(f.read())
    except FileNotFoundError:
        return {}

def write_atomic(path, data, mode, owner=None, group=None):
    d = os.path.dirname(path)
    tmp = os.path.join(d, ".%s.cw-%s" % (os.path.basename(path), secrets.token_hex(4)))
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        if owner is not None or group is not None:
            os.fchown(fd, uid(owner) if owner else -1, gid(group) if group else -1)
        os.fchmod(fd, mode)
        os.write(fd, data.encode() if isinstance(data, str) else data)
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.rename(tmp, path)
    except Exception:
        os.unlink(tmp)
        raise

# ---------------------------------------------------------------- provisioning (as root)

def op_facts(h, ssh_connection):
    r = {"sshConnection": ssh_connection}
    try:
        with open("/etc/os-release") as f:
            r["osRelease"] = dict((k, v.strip('"')) for k, _, v in (l.strip().partition("=") for l in f if "=" in l))
    except OSError:
        r["osRelease"] = {}
    r["arch"] = os.uname().machine
    r["uid"] = os.getuid()
    try:
        with open("/proc/meminfo") as f:
            mem = dict((l.split(":")[0], int(l.split()[1]) * 1024) for l in f if len(l.split()) >= 2)
        r["memoryBytes"] = mem.get("MemTotal")
    except OSError:
        r["memoryBytes"] = None
    st = os.statvfs("/")
    r["diskFreeBytes"] = st.f_bavail * st.f_frsize
    try:
        with open("/proc/1/comm") as f:
            r["pid1"] = f.read().strip()
    except OSError:
        r["pid1"] = None
    r["python"] = "%d.%d.%d" % sys.version_info[:3]
    r["tools"] = dict((t, shutil.which(t, path="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")) for t in
                      ["systemctl", "nginx", "visudo", "systemd-analyze", "apt-get", "dpkg-query", "useradd", "certbot", "ufw", "sshd", "nft", "systemd-run", "openssl"])
    pk = h.get("packages", [])
    installed = []
    if pk and r["tools"]["dpkg-query"]:
        _, out = run(["dpkg-query", "-W", "-f=" + "$" + "{Package} " + "$" + "{db:Status-Abbrev}\n"] + pk, check=False)
        installed = [l.split()[0] for l in out.splitlines() if len(l.split()) >= 2 and l.split()[1].startswith("ii")]
    r["installed"] = installed
    users = {}
    for u in h.get("users", []):
        try:
            p = pwd.getpwnam(u)
            groups = [g.gr_name for g in grp.getgrall() if u in g.gr_mem]
            try:
                groups.insert(0, grp.getgrgid(p.pw_gid).gr_name)
            except KeyError:
                pass
            users[u] = {"uid": p.pw_uid, "home": p.pw_dir, "shell": p.pw_shell, "groups": groups}
        except KeyError:
            users[u] = None
    r["users"] = users
    groups = {}
    for g in h.get("groups", []):
        try:
            groups[g] = grp.getgrnam(g).gr_mem
        except KeyError:
            groups[g] = None
    r["groups"] = groups
    files = {}
    for p in h.get("files", []):
        files[p] = file_fact(p, True)
    for p in h.get("dirs", []):
        files[p] = file_fact(p, False)
    r["files"] = files
    ef = h.get("envFile")
    if ef:
        env = read_env(ef)
        nonce = h.get("nonce", "").encode()
        r["env"] = {"exists": os.path.exists(ef), "keys": dict((k, hmac.new(nonce, v.encode(), "sha256").hexdigest()) for k, v in env.items())}
        if r["env"]["exists"]:
            st = os.lstat(ef)
            r["env"]["mode"] = stat.S_IMODE(st.st_mode)
            r["env"]["owner"], r["env"]["group"] = owner_of(st)
    units = {}
    for u in h.get("units", []):
        _, out = run(["systemctl", "is-enabled", u], check=False)
        _, act = run(["systemctl", "is-active", u], check=False)
        units[u] = {"enabled": out.strip(), "active": act.strip()}
    r["units"] = units
    resolved = {}
    for d in h.get("resolve", []):
        try:
            addrs = sorted(set(ai[4][0] for ai in socket.getaddrinfo(d, 80, 0, socket.SOCK_STREAM)))
            resolved[d] = {"addresses": addrs, "error": None}
        except socket.gaierror as e:
            resolved[d] = {"addresses": [], "error": str(e.strerror or e)}
    r["resolved"] = resolved
    if h.get("resolve"):
        _, out = run(["ip", "-o", "addr", "show"], check=False) if shutil.which("ip") else (1, "")
        r["addresses"] = sorted(set(m.group(1) for m in re.finditer(r"\binet6? ([0-9a-fA-F.:]+)/", out)))
    certs = {}
    for name in h.get("certs", []):
        path = "/etc/letsencrypt/live/%s/fullchain.pem" % name
        c = {"exists": os.path.exists(path), "renewalConf": os.path.exists("/etc/letsencrypt/renewal/%s.conf" % name)}
        if c["exists"] and shutil.which("openssl"):
            _, out = run(["openssl", "x509", "-noout", "-enddate", "-ext", "subjectAltName", "-in", path], check=False)
            m = re.search(r"notAfter=(.+)", out)
            c["notAfter"] = m.group(1).strip() if m else None
            c["domains"] = re.findall(r"DNS:([^,\s]+)", out)
            code, _ = run(["openssl", "x509", "-noout", "-checkend", str(30 * 86400), "-in", path], check=False)
            c["expiresWithin30Days"] = code != 0
        certs[name] = c
    r["certs"] = certs
    keys = {}
    for u in h.get("authorizedKeys", []):
        try:
            home = pwd.getpwnam(u).pw_dir
            with open(os.path.join(home, ".ssh", "authorized_keys")) as f:
                keys[u] = len([l for l in f if l.strip() and not l.lstrip().startswith("#")])
        except (KeyError, OSError):
            keys[u] = 0
    r["authorizedKeys"] = keys
    if h.get("sshd"):
        code, out = run([which("sshd", "/usr/sbin/sshd"), "-T"], check=False)
        r["sshd"] = dict((l.split(None, 1) + [""])[:2] for l in out.splitlines() if l.strip()) if code == 0 else {}
    if h.get("firewall"):
        fw = {"ufwActive": False, "nft": r["tools"].get("nft") is not None, "table": None}
        if r["tools"].get("ufw"):
            _, out = run(["ufw", "status"], check=False)
            fw["ufwActive"] = "Status: active" in out
        if fw["nft"]:
            code, out = run(["nft", "list", "table", "inet", "cloudward"], check=False)
            fw["table"] = out if code == 0 else None
        r["firewall"] = fw
    if h.get("postgres"):
        r["postgres"] = pg_facts(h["postgres"])
    return r

def file_fact(p, content):
    try:
        st = os.lstat(p)
    except FileNotFoundError:
        return None
    u, g = owner_of(st)
    f = {"mode": stat.S_IMODE(st.st_mode), "owner": u, "group": g,
         "type": "link" if stat.S_ISLNK(st.st_mode) else "dir" if stat.S_ISDIR(st.st_mode) else "file"}
    if f["type"] == "link":
        f["target"] = os.readlink(p)
    elif content and f["type"] == "file":
        with open(p, "rb") as fh:
            f["content"] = fh.read(1 << 20).decode("utf-8", "replace")
    return f

def apt_install(names, env, updated):
    argv = ["apt-get", "install", "-y", "-q", "--no-install-recommends", "-o", "Dpkg::Options::=--force-confold"] + names
    code, out = run(argv, check=False, env=env, timeout=1800)
    if code != 0 and not updated[0] and ("Unable to locate package" in out or "has no installation candidate" in out or "404" in out):
        updated[0] = True
        run(["apt-get", "update", "-q"], check=False, env=env, timeout=600)
        code, out = run(argv, check=False, env=env, timeout=1800)
    return code, out

def unknown_packages(out):
    return set(re.findall(r"Unable to locate package (\S+)", out)) | set(re.findall(r"Package '([^']+)' has no installation candidate", out))

def op_packages(h):
    # "install": what the server needs (a failure stops provisioning); "optional": the libraries the
    # project's Dockerfile installs, whose names this server's archive may not have (skipped, said so).
    names, optional = h["install"], h.get("optional", [])
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    updated = [False]
    changed, what, out = False, [], ""
    if names:
        code, out = apt_install(names, env, updated)
        if code != 0:
            raise Fail("apt-get could not install %s; nothing was installed" % ", ".join(names), tail(out))
        changed = True
    if optional:
        code, out = apt_install(optional, env, updated)
        if code != 0:
            unknown = [n for n in optional if n in unknown_packages(out)]
            rest = [n for n in optional if n not in unknown]
            if not unknown:
                raise Fail("apt-get could not install %s (the project's Dockerfile installs them)" % ", ".join(optional), tail(out))
            what.append("skipped %s: not in this server's package archive" % ", ".join(unknown))
            if rest:
                code, out = apt_install(rest, env, updated)
                if code != 0:
                    raise Fail("apt-get could not install %s (the project's Dockerfile installs them)" % ", ".join(rest), tail(out))
                changed = True
        else:
            changed = True
    return {"changed": changed, "what": what, "output": tail(out, 5)}

def op_users(h):
    changed = []
    app, deploy = h["appUser"], h["deployUser"]
    try:
        grp.getgrnam(app)
    except KeyError:
        run(["groupadd", "--system", app])
        changed.append("group " + app)
    try:
        pwd.getpwnam(app)
    except KeyError:
        run(["useradd", "--system", "--gid", app, "--no-create-home", "--home-dir", h["appHome"], "--shell", "/usr/sbin/nologin", app])
        changed.append("user " + app)
    created = False
    try:
        pwd.getpwnam(deploy)
    except KeyError:
        run(["useradd", "--create-home", "--shell", "/bin/bash", deploy])
        run(["usermod", "--password", "*", deploy])
        created = True
        changed.append("user " + deploy)
    for g in h.get("deployGroups", []):
        if deploy not in grp.getgrnam(g).gr_mem and pwd.getpwnam(deploy).pw_gid != grp.getgrnam(g).gr_gid:
            run(["usermod", "--append", "--groups", g, deploy])
            changed.append("%s in group %s" % (deploy, g))
    home = pwd.getpwnam(deploy).pw_dir
    keys = os.path.join(home, ".ssh", "authorized_keys")
    if created and h.get("copyRootKeys") and os.path.exists("/root/.ssh/authorized_keys") and not os.path.exists(keys):
        os.makedirs(os.path.dirname(keys), mode=0o700, exist_ok=True)
        with open("/root/.ssh/authorized_keys", "rb") as f:
            write_atomic(keys, f.read(), 0o600, deploy, deploy)
        os.chown(os.path.dirname(keys), uid(deploy), gid(deploy))
        changed.append("authorized_keys of " + deploy)
    return {"changed": bool(changed), "what": changed}

def op_dirs(h):
    changed = []
    for d in h["dirs"]:
        p = d["path"]
        if not os.path.isdir(p):
            os.makedirs(p, exist_ok=True)
            changed.append(p)
        st = os.stat(p)
        u, g = owner_of(st)
        if (u, g) != (d["owner"], d["group"]):
            os.chown(p, uid(d["owner"]), gid(d["group"]))
            changed.append(p + " owner")
        if stat.S_IMODE(st.st_mode) != d["mode"]:
            os.chmod(p, d["mode"])
            changed.append(p + " mode")
    for l in h.get("links", []):
        if os.path.islink(l["path"]) and os.readlink(l["path"]) == l["target"]:
            continue
        tmp = l["path"] + ".cw-tmp"
        if os.path.lexists(tmp):
            os.unlink(tmp)
        os.symlink(l["target"], tmp)
        os.lchown(tmp, uid(l["owner"]), gid(l["group"]))
        os.rename(tmp, l["path"])
        changed.append(l["path"])
    return {"changed": bool(changed), "what": changed}

def snapshot(paths):
    saved = {}
    for p in paths:
        if os.path.lexists(p):
            st = os.lstat(p)
            if stat.S_ISLNK(st.st_mode):
                saved[p] = ("link", os.readlink(p), None)
            else:
                with open(p, "rb") as f:
                    saved[p] = ("file", f.read(), st)
        else:
            saved[p] = None
    return saved

def restore(saved):
    for p, s in saved.items():
        if s is None:
            if os.path.lexists(p):
                os.unlink(p)
        elif s[0] == "link":
            if os.path.lexists(p):
                os.unlink(p)
            os.symlink(s[1], p)
        else:
            st = s[2]
            write_atomic(p, s[1], stat.S_IMODE(st.st_mode))
            os.chown(p, st.st_uid, st.st_gid)

def op_files(h):
    """Writes files as a group: validates the new set (systemd-analyze verify, visudo -c, nginx -t) and puts every
    file back as it was when a check fails, so a failing nginx or unit file is never left in place."""
    files = h["files"]
    removes = h.get("remove", [])
    links = h.get("links", [])
    paths = [f["path"] for f in files] + removes + [l["path"] for l in links]
    saved = snapshot(paths)
    changed = []
    try:
        for f in files:
            data = f["content"].encode()
            same = False
            if os.path.isfile(f["path"]) and not os.path.islink(f["path"]):
                st = os.stat(f["path"])
                with open(f["path"], "rb") as fh:
                    same = fh.read() == data and stat.S_IMODE(st.st_mode) == f["mode"] and owner_of(st) == (f["owner"], f["group"])
            if same:
                continue
            if f.get("validate") == "visudo":
                tmp = "/tmp/cw-sudoers-" + secrets.token_hex(4)
                write_atomic(tmp, data, 0o440)
                try:
                    code, out = run([which("visudo", "/usr/sbin/visudo"), "-cf", tmp], check=False)
                finally:
                    os.unlink(tmp)
                if code != 0:
                    raise Fail("visudo -c rejected %s; it was not installed" % f["path"], out)
            os.makedirs(os.path.dirname(f["path"]), exist_ok=True)
            write_atomic(f["path"], data, f["mode"], f["owner"], f["group"])
            changed.append(f["path"])
        for p in removes:
            if os.path.lexists(p):
                os.unlink(p)
                changed.append(p)
        for l in links:
            if os.path.islink(l["path"]) and os.readlink(l["path"]) == l["target"]:
                continue
            tmp = l["path"] + ".cw-tmp"
            if os.path.lexists(tmp):
                os.unlink(tmp)
            os.symlink(l["target"], tmp)
            os.rename(tmp, l["path"])
            changed.append(l["path"])
        if not changed:
            return {"changed": False, "what": []}
        for v in h.get("verify", []):
            if v["kind"] == "systemd":
                run(["systemctl", "daemon-reload"])
                code, out = run([which("systemd-analyze", "/usr/bin/systemd-analyze"), "verify"] + v["units"], check=False)
                ignore = [re.compile(x) for x in v.get("ignore", [])]
                bad = [l for l in out.splitlines() if l.strip() and not any(x.search(l) for x in ignore)]
                if bad:
                    raise Fail("systemd-analyze verify found problems", "\n".join(bad))
            elif v["kind"] == "nginx":
                code, out = run([which("nginx", "/usr/sbin/nginx"), "-t"], check=False)
                if code != 0:
                    raise Fail("nginx -t failed with the new site", out)
        for a in h.get("after", []):
            run(a)
    except Exception:
        restore(saved)
        if any(v["kind"] == "systemd" for v in h.get("verify", [])):
            run(["systemctl", "daemon-reload"], check=False)
        raise
    return {"changed": True, "what": changed}

def op_env(h):
    path = h["path"]
    current = read_env(path)
    values = dict(current)
    changed = []
    for k, v in h.get("set", {}).items():
        if "\n" in v or "\r" in v or "\0" in v:
            raise Fail("the value of %s has a line break, which an environment file cannot hold" % k)
        if values.get(k) != v:
            values[k] = v
            changed.append(k)
    for k in h.get("generate", []):
        if not values.get(k):
            values[k] = secrets.token_urlsafe(50)
            changed.append(k)
    exists = os.path.exists(path)
    if exists:
        st = os.stat(path)
        if (stat.S_IMODE(st.st_mode), owner_of(st)) != (h["mode"], (h["owner"], h["group"])):
            changed.append("(owner and mode)")
    if not changed and exists:
        return {"changed": False, "what": []}
    write_atomic(path, format_env(values), h["mode"], h["owner"], h["group"])
    return {"changed": True, "what": changed}

def op_systemctl(h):
    out = []
    for argv in h["commands"]:
        code, o = run(["systemctl"] + argv, check=False)
        if code != 0:
            raise Fail("systemctl %s failed" % " ".join(argv), o)
        out.append(o)
    return {"changed": True}

def op_security(h):
    code, out = run([which("systemd-analyze", "/usr/bin/systemd-analyze"), "security", "--no-pager", h["unit"]], check=False)
    m = re.search(r"Overall exposure level for \S+:\s*([0-9.]+)", out)
    return {"score": float(m.group(1)) if m else None, "output": out}

# ---------------------------------------------------------------- PostgreSQL (as root)
# SQL goes to psql on stdin, never in an argument; the app's password is made here, reaches PostgreSQL only as a
# SCRAM verifier (a failed statement in the server log shows no password) and is written only to the env file.

PG_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

def pg_lit(s):
    return "'" + s.replace("'", "''") + "'"

def pg_ident(s):
    return '"' + s.replace('"', '""') + '"'

def pg_clusters():
    if not which("pg_lsclusters", None):
        return []
    _, out = run(["pg_lsclusters", "--no-header"], check=False)
    res = []
    for l in out.splitlines():
        f = l.split()
        if len(f) >= 4 and f[2].isdigit():
            res.append({"version": f[0], "cluster": f[1], "port": int(f[2]), "online": f[3].startswith("online")})
    return res

def pg_pick(clusters):
    for want in (lambda c: c["online"] and c["port"] == 5432, lambda c: c["online"], lambda c: True):
        for c in clusters:
            if want(c):
                return c
    return None

def pg_sql(port, sql, check=True):
    return run(["runuser", "-u", "postgres", "--", "psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-p", str(port), "-d", "postgres"],
               check=check, input=sql.encode(), cwd="/", timeout=120)

def pg_query(port, sql):
    return pg_sql(port, sql)[1].strip()

def pg_url_is_local(url, role, db):
    from urllib.parse import urlsplit, unquote, parse_qs
    try:
        u = urlsplit(url)
        host = u.hostname or parse_qs(u.query).get("host", [""])[0]
        return (u.scheme in ("postgres", "postgresql", "pgsql") and (host in ("", "localhost", "127.0.0.1", "::1") or host.startswith("/"))
                and unquote(u.username or "") == role and unquote(u.path.lstrip("/")) == db)
    except ValueError:
        return False

def pg_login(url):
    """Logs in with DATABASE_URL's user and password over TCP (what the app does); the password goes through a
    passfile of mode 600 in a root-only folder, never an argument or the environment."""
    from urllib.parse import urlsplit, unquote
    u = urlsplit(url)
    host = u.hostname if u.hostname and not u.hostname.startswith("/") else "localhost"
    user, db = unquote(u.username or ""), unquote(u.path.lstrip("/"))
    os.makedirs(RUN_DIR, mode=0o700, exist_ok=True)
    pf = os.path.join(RUN_DIR, "pgpass-" + secrets.token_hex(6))
    esc = lambda x: x.replace("\\", "\\\\").replace(":", "\\:")
    write_atomic(pf, "*:*:*:*:%s\n" % esc(unquote(u.password or "")), 0o600)
    try:
        code, out = run(["psql", "-X", "-w", "-q", "-A", "-t", "-h", host, "-p", str(u.port or 5432), "-U", user, "-d", db, "-c", "SELECT current_user"],
                        check=False, env=dict(os.environ, PGPASSFILE=pf, PGCONNECT_TIMEOUT="10"), cwd="/", timeout=30)
    finally:
        os.unlink(pf)
    return code == 0 and out.strip() == user

def scram_verifier(password, iterations=4096):
    """What PostgreSQL stores for a SCRAM-SHA-256 password (RFC 5802/7677): salt, StoredKey, ServerKey."""
    import base64
    salt = secrets.token_bytes(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    server_key = hmac.new(salted, b"Server Key", "sha256").digest()
    b64 = lambda x: base64.b64encode(x).decode()
    return "SCRAM-SHA-256$%d:%s$%s:%s" % (iterations, b64(salt), b64(hashlib.sha256(client_key).digest()), b64(server_key))

def pg_facts(p):
    clusters = pg_clusters()
    _, en = run(["systemctl", "is-enabled", "postgresql"], check=False)
    r = {"clusters": clusters, "enabled": en.strip().splitlines()[-1] if en.strip() else "", "role": None, "databaseOwner": None, "databaseUrl": "missing", "login": None}
    c = pg_pick(clusters)
    if c and c["online"] and PG_NAME.match(p["role"]) and PG_NAME.match(p["database"]):
        code, out = pg_sql(c["port"], "SELECT count(*) FROM pg_roles WHERE rolname = %s;\nSELECT coalesce(max(pg_get_userbyid(datdba)), '') FROM pg_database WHERE datname = %s;\n"
                           % (pg_lit(p["role"]), pg_lit(p["database"])), check=False)
        lines = out.strip().splitlines()
        if code == 0 and len(lines) == 2:
            r["role"] = lines[0].strip() != "0"
            r["databaseOwner"] = lines[1].strip()
    url = read_env(p["envFile"]).get("DATABASE_URL")
    if url:
        r["databaseUrl"] = "local" if pg_url_is_local(url, p["role"], p["database"]) else "other"
        if r["databaseUrl"] == "local" and c and c["online"]:
            r["login"] = pg_login(url)
    return r

def op_postgres(h):
    role, db = h["role"], h["database"]
    if not PG_NAME.match(role) or not PG_NAME.match(db):
        raise Fail("not a PostgreSQL name: %s / %s" % (role, db))
    changed = []
    clusters = pg_clusters()
    if not clusters:
        vers = sorted((v for v in os.listdir("/usr/lib/postgresql") if v.isdigit()), key=int) if os.path.isdir("/usr/lib/postgresql") else []
        if not vers or not which("pg_createcluster", None):
            raise Fail("PostgreSQL is not installed (no /usr/lib/postgresql/<version>, no pg_createcluster): the packages step installs it")
        run(["pg_createcluster", vers[-1], "main", "--start"], timeout=300)
        changed.append("cluster %s/main" % vers[-1])
        clusters = pg_clusters()
    _, en = run(["systemctl", "is-enabled", "postgresql"], check=False)
    if en.strip() != "enabled":
        run(["systemctl", "enable", "postgresql"])
        changed.append("postgresql started at boot")
    c = pg_pick(clusters)
    if not c["online"]:
        code, out = run(["systemctl", "start", "postgresql@%s-%s.service" % (c["version"], c["cluster"])], check=False, timeout=120)
        if code != 0:
            _, log = run(["journalctl", "-u", "postgresql@%s-%s.service" % (c["version"], c["cluster"]), "-n", "30", "--no-pager", "-o", "cat"], check=False)
            raise Fail("the PostgreSQL cluster %s/%s did not start" % (c["version"], c["cluster"]), out + log)
        changed.append("cluster %s/%s started" % (c["version"], c["cluster"]))
    port = c["port"]
    for _ in range(60):
        if run(["pg_isready", "-q", "-p", str(port)], check=False)[0] == 0:
            break
        time.sleep(0.5)
    else:
        raise Fail("PostgreSQL %s/%s does not accept connections on port %d (see /var/log/postgresql/)" % (c["version"], c["cluster"], port))
    if pg_query(port, "SELECT count(*) FROM pg_roles WHERE rolname = %s;" % pg_lit(role)) == "0":
        pg_sql(port, "CREATE ROLE %s LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION;\n" % pg_ident(role))
        changed.append("role " + role)
    owner = pg_query(port, "SELECT coalesce(max(pg_get_userbyid(datdba)), '') FROM pg_database WHERE datname = %s;" % pg_lit(db))
    if owner and owner != role:
        raise Fail("the database %s exists and belongs to %s, not %s: it was left as it is" % (db, owner, role))
    if not owner:
        # UTF-8 whatever the cluster's locale (a minimal image's cluster may be SQL_ASCII); C.UTF-8 sorts the same on every glibc
        pg_sql(port, "CREATE DATABASE %s OWNER %s ENCODING 'UTF8' LOCALE 'C.UTF-8' TEMPLATE template0;\n" % (pg_ident(db), pg_ident(role)))
        changed.append("database " + db)
    env_file = h["envFile"]
    if h.get("setUrl"):
        url = read_env(env_file).get("DATABASE_URL")
        if not url or (pg_url_is_local(url, role, db) and not pg_login(url)):
            password = secrets.token_urlsafe(32)
            pg_sql(port, "ALTER ROLE %s PASSWORD %s;\n" % (pg_ident(role), pg_lit(scram_verifier(password))))
            op_env({"path": env_file, "owner": h["owner"], "group": h["group"], "mode": h["mode"],
                    "set": {"DATABASE_URL": "postgresql://%s:%s@localhost:%d/%s" % (role, password, port, db)}})
            changed.append("DATABASE_URL in %s (password made on the server)" % env_file)
    url = read_env(env_file).get("DATABASE_URL")
    if h.get("setUrl") and url and pg_url_is_local(url, role, db) and not pg_login(url):
        raise Fail("DATABASE_URL in %s does not log in as %s over TCP on localhost:%d (pg_hba.conf must allow scram-sha-256 or md5 for host connections from 127.0.0.1)" % (env_file, role, port))
    return {"changed": bool(changed), "what": changed}

# ---------------------------------------------------------------- HTTPS (as root)

def op_acme_preflight(h):
    """Proves that Let's Encrypt will reach this server's webroot for each domain over HTTP, before certbot runs
    (a failed certbot burns rate limit): a token written to the webroot must come back through the domain on
    port 80 of every address the domain has. Changes nothing (the token is removed)."""
    import http.client
    webroot = h["webroot"]
    d = os.path.join(webroot, ".well-known", "acme-challenge")
    os.makedirs(d, mode=0o755, exist_ok=True)
    name = "cloudward-preflight-" + secrets.token_hex(8)
    token = secrets.token_urlsafe(24)
    path = os.path.join(d, name)
    write_atomic(path, token, 0o644)
    problems = []
    try:
        for domain in h["domains"]:
            try:
                addrs = sorted(set(ai[4][0] for ai in socket.getaddrinfo(domain, 80, 0, socket.SOCK_STREAM)))
            except socket.gaierror as e:
                problems.append("DNS: %s does not resolve (%s): add an A record (and AAAA for IPv6) pointing at this server" % (domain, e.strerror or e))
                continue
            for a in addrs:
                url = "http://%s/.well-known/acme-challenge/%s" % (domain, name)
                c = http.client.HTTPConnection(a, 80, timeout=h.get("timeout", 10))
                try:
                    c.request("GET", "/.well-known/acme-challenge/" + name, headers={"Host": domain, "User-Agent": "cloudward-preflight"})
                    resp = c.getresponse()
                    body = resp.read(4096).decode("utf-8", "replace").strip()
                    if resp.status != 200 or body != token:
                        problems.append("HTTP: %s (address %s) answered %d without the token: another web server or site answers for %s there, not the nginx site Cloudward set up (its webroot is %s)" % (url, a, resp.status, domain, webroot))
                except ConnectionRefusedError:
                    problems.append("port 80 closed: nothing accepts connections on %s port 80 for %s (nginx not running, or a firewall rejects port 80)" % (a, domain))
                except socket.timeout:
                    problems.append("port 80 filtered: %s port 80 did not answer within %ds for %s (a firewall, the server's or the provider's, drops it)" % (a, h.get("timeout", 10), domain))
                except OSError as e:
                    problems.append("HTTP: %s (address %s) could not be fetched: %s" % (url, a, e))
                finally:
                    c.close()
    finally:
        os.unlink(path)
    if problems:
        raise Fail("the HTTPS preflight failed, so certbot was not run (no Let's Encrypt rate limit used) and nothing was changed: " + "; ".join(problems))
    return {"changed": False, "what": []}

def op_certbot(h):
    argv = [which("certbot", "/usr/bin/certbot"), "certonly", "--webroot", "-w", h["webroot"], "--cert-name", h["certName"],
            "--non-interactive", "--agree-tos", "--keep-until-expiring", "--expand"]
    for d in h["domains"]:
        argv += ["-d", d]
    argv += ["--email", h["email"]] if h.get("email") else ["--register-unsafely-without-email"]
    if h.get("server"):
        argv += ["--server", h["server"]]
    env = dict(os.environ)
    if h.get("caBundle"):
        env["REQUESTS_CA_BUNDLE"] = h["caBundle"]
    code, out = run(argv, check=False, env=env, timeout=900)
    if code != 0:
        raise Fail("certbot could not get the certificate (its log: /var/log/letsencrypt/letsencrypt.log)", tail(out, 30))
    return {"changed": True, "what": ["certificate " + h["certName"]]}

# ---------------------------------------------------------------- guarded changes: revert unless confirmed

RUN_DIR = "/run/cloudward"

def op_guarded(h):
    """Applies a change that could lock the user out (firewall, sshd) with its undo armed first: a transient
    systemd timer runs the undo after h["revertAfter"] seconds unless op_confirm (from a NEW SSH connection)
    disarms it. Only the live part is applied here; what makes it last (files read at boot, enabled units) is
    done by op_confirm, so a reboot before the confirmation also reverts it."""
    token = secrets.token_hex(8)
    os.makedirs(RUN_DIR, mode=0o700, exist_ok=True)
    base = os.path.join(RUN_DIR, token)
    kind = h["kind"]
    if kind == "firewall":
        nft = which("nft", "/usr/sbin/nft")
        new = base + ".nft"
        write_atomic(new, h["ruleset"], 0o600)
        code, out = run([nft, "-c", "-f", new], check=False)
        if code != 0:
            raise Fail("nft -c rejected the firewall rules; nothing was changed", out)
        code, old = run([nft, "list", "table", "inet", "cloudward"], check=False)
        if code == 0:
            write_atomic(base + ".old.nft", "table inet cloudward\ndelete table inet cloudward\n" + old, 0o600)
            undo = "%s -f %s" % (nft, base + ".old.nft")
        else:
            undo = "%s delete table inet cloudward" % nft
        apply_argv = [nft, "-f", new]
    elif kind == "sshd":
        path = h["path"]
        if os.path.exists(path):
            shutil.copy2(path, base + ".old")
            undo = "cp -p %s %s && systemctl try-reload-or-restart ssh" % (base + ".old", path)
        else:
            undo = "rm -f %s && systemctl try-reload-or-restart ssh" % path
        write_atomic(path + ".cw-new", h["content"], 0o644, "root", "root")
        # sshd -t on the whole config with the new drop-in in place (renamed in only when sshd accepts it)
        os.rename(path + ".cw-new", path)
        code, out = run([which("sshd", "/usr/sbin/sshd"), "-t"], check=False)
        if code != 0:
            restore_cmd = undo.split(" && ")[0]
            run(["sh", "-c", restore_cmd], check=False)
            raise Fail("sshd -t rejected the configuration with %s; it was put back" % path, out)
        apply_argv = ["systemctl", "try-reload-or-restart", "ssh"]
    else:
        raise Fail("unknown guarded change %s" % kind)
    # the undo, serialized with the confirmation by a lock: exactly one of them wins
    script = "\n".join([
        "#!/bin/sh",
        "# Written by cloudward provision: undoes the %s change unless a new SSH connection confirmed it." % kind,
        "exec 9>%s.lock" % base, "flock 9",
        "[ -e %s.confirmed ] && exit 0" % base,
        undo,
        "date -u +%%FT%%TZ > %s.reverted" % base,
        "logger -t cloudward 'the %s change was not confirmed by a new SSH connection: reverted'" % kind, ""])
    write_atomic(base + ".revert", script, 0o700)
    after = int(h.get("revertAfter", 60))
    code, out = run(["systemd-run", "--unit", "cloudward-revert-" + token, "--on-active=%ds" % after,
                     "--timer-property=AccuracySec=1s", "/bin/sh", base + ".revert"], check=False)
    if code != 0:
        raise Fail("could not arm the automatic revert (systemd-run); the %s change was not applied" % kind, out)
    code, out = run(apply_argv, check=False)
    if code != 0:
        run(["sh", base + ".revert"], check=False)
        raise Fail("applying the %s change failed; it was reverted at once" % kind, out)
    return {"changed": True, "token": token, "revertAt": time.time() + after, "what": [kind + " (reverts itself unless confirmed)"]}

def op_confirm(h):
    """Run from a NEW SSH connection: disarms the revert and makes the change last."""
    token = h["token"]
    if not re.match(r"^[0-9a-f]{16}$", token):
        raise Fail("bad token")
    base = os.path.join(RUN_DIR, token)
    if not os.path.exists(base + ".revert"):
        raise Fail("no change waits for confirmation under this token")
    with open(base + ".lock", "w") as lk:
        fcntl.flock(lk, fcntl.LOCK_EX)
        if os.path.exists(base + ".reverted"):
            raise Fail("too late: the change was already reverted by its timer")
        open(base + ".confirmed", "w").close()
    run(["systemctl", "stop", "cloudward-revert-%s.timer" % token], check=False)
    what = []
    for f in h.get("files", []):
        os.makedirs(os.path.dirname(f["path"]), exist_ok=True)
        write_atomic(f["path"], f["content"], f["mode"], f["owner"], f["group"])
        what.append(f["path"])
    for a in h.get("after", []):
        run(a)
    for p in os.listdir(RUN_DIR):
        if p.startswith(token + "."):
            os.unlink(os.path.join(RUN_DIR, p))
    return {"changed": True, "what": what}

# ---------------------------------------------------------------- deploy (as the deploy user)

def cw_dir(app_dir):
    return os.path.join(app_dir, ".cloudward")

def journal_path(app_dir):
    return os.path.join(cw_dir(app_dir), "releases.jsonl")

def journal_append(app_dir, rec):
    rec = dict(rec, at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    with open(journal_path(app_dir), "a") as f:
        f.write(json.dumps(rec) + "\n")
        f.flush()
        os.fsync(f.fileno())

def releases(app_dir):
    """Folds the journal into one record per release, in journal order."""
    out = {}
    order = []
    try:
        with open(journal_path(app_dir)) as f:
            for line in f:
                try:
                    r = json.loads(line)
                except ValueError:
                    continue
                rid = r.get("id")
                if not rid:
                    continue
                if rid not in out:
                    out[rid] = {"id": rid}
                    order.append(rid)
                out[rid].update(dict((k, v) for k, v in r.items() if k not in ("at",)))
                if r.get("event") == "started":
                    out[rid]["started"] = r["at"]
                out[rid]["updated"] = r["at"]
    except FileNotFoundError:
        pass
    live = None
    cur = os.path.join(app_dir, "current")
    if os.path.islink(cur):
        live = os.path.basename(os.readlink(cur))
    res = []
    for rid in order:
        r = out[rid]
        r["live"] = rid == live
        r["exists"] = os.path.isdir(os.path.join(app_dir, "releases", rid))
        res.append(r)
    return res, live

def state_path(app_dir):
    return os.path.join(cw_dir(app_dir), "state.json")

def read_state(app_dir):
    try:
        with open(state_path(app_dir)) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}

def write_state(app_dir, st):
    write_atomic(state_path(app_dir), json.dumps(st), 0o644)

def op_upload(h, data):
    app_dir = h["appDir"]
    inc = os.path.join(cw_dir(app_dir), "incoming")
    os.makedirs(inc, exist_ok=True)
    name = "%s.tar" % secrets.token_hex(8)
    write_atomic(os.path.join(inc, name), data, 0o600)
    if hashlib.sha256(data).hexdigest() != h["sha256"]:
        os.unlink(os.path.join(inc, name))
        raise Fail("the uploaded archive does not match its checksum")
    agent = os.path.join(cw_dir(app_dir), "agent-%s.py" % h["agentHash"])
    if not os.path.exists(agent):
        write_atomic(agent, AGENT_TEXT, 0o644)
    plan = os.path.join(inc, name[:-4] + ".json")
    job = dict(h["job"], archive=os.path.join(inc, name))
    write_atomic(plan, json.dumps(job), 0o600)
    return {"archive": os.path.join(inc, name), "job": plan, "agent": agent}

def lock_holder(app_dir):
    try:
        with open(os.path.join(cw_dir(app_dir), "lock.json")) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None

def op_start(h):
    app_dir = h["appDir"]
    os.makedirs(os.path.join(cw_dir(app_dir), "deploys"), exist_ok=True)
    fd = os.open(os.path.join(cw_dir(app_dir), "lock"), os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.time() + h.get("lockWaitSeconds", 0)
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.time() >= deadline:
                holder = lock_holder(app_dir) or {}
                # nothing of this attempt stays behind
                for p in (h["job"], json.load(open(h["job"])).get("archive")):
                    if p and os.path.exists(p):
                        os.unlink(p)
                return {"locked": True, "holder": holder}
            time.sleep(0.5)
    job = json.load(open(h["job"]))
    rid = job.get("releaseId") or time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + job.get("commit", "manual")[:7] + ("-dirty" if job.get("dirty") else "")
    job["releaseId"] = rid
    run_id = "%s-%s" % (job["kind"], rid)
    job["runId"] = run_id
    write_atomic(h["job"], json.dumps(job), 0o600)
    events = os.path.join(cw_dir(app_dir), "deploys", run_id + ".jsonl")
    log = open(events, "ab")
    p = subprocess.Popen([sys.executable, h["agent"], "run", h["job"]], stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                         pass_fds=(fd,), start_new_session=True, close_fds=True, env=dict(os.environ, CW_LOCK_FD=str(fd)))
    write_atomic(os.path.join(cw_dir(app_dir), "lock.json"), json.dumps({"pid": p.pid, "run": run_id, "by": h.get("by"), "since": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}), 0o644)
    return {"locked": False, "runId": run_id, "releaseId": rid, "pid": p.pid}

def op_tail(h):
    path = os.path.join(cw_dir(h["appDir"]), "deploys", h["runId"] + ".jsonl")
    deadline = time.time() + h.get("waitSeconds", 0)
    while True:
        with open(path, "rb") as f:
            f.seek(h.get("offset", 0))
            data = f.read()
        # only whole lines
        cut = data.rfind(b"\n") + 1
        data = data[:cut]
        if data or time.time() >= deadline:
            break
        time.sleep(0.2)
    events = []
    for line in data.decode("utf-8", "replace").splitlines():
        try:
            events.append(json.loads(line))
        except ValueError:
            events.append({"event": "log", "text": line})
    return {"events": events, "offset": h.get("offset", 0) + cut}

def op_releases(h):
    rel, live = releases(h["appDir"])
    return {"releases": rel, "live": live, "lock": lock_holder(h["appDir"]) if lock_is_held(h["appDir"]) else None, "state": read_state(h["appDir"])}

def lock_is_held(app_dir):
    try:
        fd = os.open(os.path.join(cw_dir(app_dir), "lock"), os.O_RDWR)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)

# ---------------------------------------------------------------- the detached runner

class Runner:
    def __init__(self, job):
        self.job = job
        self.app = job["appDir"]
        self.rid = job["releaseId"]
        self.rel = os.path.join(self.app, "releases", self.rid)
        self.step = None
        self.sudo = [] if os.getuid() == 0 else ["sudo", "-n"]
        self.systemctl = which("systemctl", "/usr/bin/systemctl")
        self.nginx = which("nginx", "/usr/sbin/nginx")

    def ev(self, **kw):
        kw.setdefault("t", round(time.time(), 3))
        emit(kw)

    def begin(self, step, text):
        self.step = step
        self.ev(event="step", step=step, text=text)

    def log(self, text):
        if text and text.strip():
            self.ev(event="log", step=self.step, text=text.rstrip()[-8000:])

    def env(self):
        e = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": os.environ.get("HOME", "/tmp")}
        e.update(read_env(self.job["envFile"]))
        e.update(self.job.get("publicEnv", {}))
        return e

    def py(self, release, args, check=True, timeout=900):
        argv = [os.path.join(release, ".venv", "bin", "python")] + args
        code, out = run(argv, check=False, env=self.env(), cwd=os.path.join(release, self.job["pythonPath"]), timeout=timeout)
        if check and code != 0:
            raise Fail("%s failed" % " ".join(args[:3]), out)
        return code, out

    def sctl(self, *args):
        return run(self.sudo + [self.systemctl] + list(args), check=False)

    # ---- steps
    def recover(self):
        rel, live = releases(self.app)
        for r in rel:
            if r.get("status") == "building" and r["id"] != self.rid:
                journal_append(self.app, {"id": r["id"], "event": "abandoned", "status": "abandoned"})
                d = os.path.join(self.app, "releases", r["id"])
                if os.path.exists(os.path.join(d, "DEPLOY_UNFINISHED")):
                    shutil.rmtree(d, ignore_errors=True)
                self.log("cleaned up the unfinished release %s (its deploy was interrupted)" % r["id"])
        st = read_state(self.app)
        # the live colour must be the one nginx points at; repair the state file from the upstream include
        up = self.job["upstreamFile"]
        if os.path.exists(up):
            m = re.search(r"/(blue|green)\.sock", open(up).read())
            if m and st.get("color") != m.group(1) and st.get("color"):
                st["color"] = m.group(1)
                write_state(self.app, st)

    def prepare(self, archive):
        self.begin("prepare", "unpacking %s" % self.rid)
        os.makedirs(self.rel)
        open(os.path.join(self.rel, "DEPLOY_UNFINISHED"), "w").close()
        with tarfile.open(archive) as t:
            members = []
            for m in t.getmembers():
                if m.name.startswith("/") or ".." in m.name.split("/") or not (m.isfile() or m.isdir() or m.issym()):
                    continue
                if m.issym() and (m.linkname.startswith("/") or ".." in m.linkname.split("/")):
                    continue
                m.mode = (m.mode | 0o644) & 0o755
                members.append(m)
            if hasattr(tarfile, "data_filter"):
                t.extractall(self.rel, members=members, filter="data")
            else:
                t.extractall(self.rel, members=members)
        os.unlink(archive)
        with open(os.path.join(self.rel, "REVISION"), "w") as f:
            f.write(self.job.get("commit", "") + ("-dirty" if self.job.get("dirty") else "") + "\n")
        for name, content in self.job.get("files", {}).items():
            p = os.path.join(self.rel, name)
            if not os.path.exists(p):
                write_atomic(p, content, 0o644)

    def deps(self):
        req = self.job.get("requirements")
        h = hashlib.sha256()
        h.update(("%d.%d" % sys.version_info[:2]).encode())
        extra = self.job.get("extraPackages", [])
        h.update(json.dumps(extra).encode())
        if req:
            rp = os.path.join(self.rel, req)
            if not os.path.exists(rp):
                raise Fail("%s is not in the commit" % req)
            h.update(open(rp, "rb").read())
        key = h.hexdigest()[:16]
        venv = os.path.join(self.app, "shared", "venvs", key)
        if os.path.exists(os.path.join(venv, ".complete")):
            self.begin("dependencies", "reusing the environment %s (requirements unchanged)" % key)
        else:
            self.begin("dependencies", "building the environment %s" % key)
            shutil.rmtree(venv, ignore_errors=True)
            run([sys.executable, "-m", "venv", venv], timeout=600)
            pip = [os.path.join(venv, "bin", "python"), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
            if req:
                _, out = run(pip + ["-r", os.path.join(self.rel, req)], timeout=1800)
                self.log(tail(out, 10))
            if extra:
                _, out = run(pip + extra, timeout=1800)
                self.log(tail(out, 10))
            open(os.path.join(venv, ".complete"), "w").close()
        self.job["venvKey"] = key
        link = os.path.join(self.rel, ".venv")
        os.symlink(os.path.relpath(venv, self.rel), link)

    CHECKS = """
import importlib, json, os, sys, traceback
def mark(*a):
    sys.stdout.flush(); sys.stderr.flush()
    print("@@CW " + " ".join(a), flush=True)
MOD, ATTR, DJANGO, COLLECT, PLANNED_COMPRESS = (json.loads(sys.argv[1]) + [None])[:5]
stage = "import"
try:
    mark("stage", "import")
    m = importlib.import_module(MOD)
    for p in ATTR.split("."):
        m = getattr(m, p.replace("()", ""))
    if DJANGO:
        import django
        django.setup()
        from django.core.management import call_command
        from django.conf import settings
        if COLLECT:
            stage = "collectstatic"; mark("stage", stage)
            call_command("collectstatic", interactive=False, verbosity=1)
            # django-compressor's offline compression, decided by the production settings themselves: the
            # templates' {% compress %} blocks are rendered now, into the release, after the files they name.
            # The plan (generated Dockerfile, compose, Render) read COMPRESS_OFFLINE from the settings' text; the
            # real environment has the last word here, and a disagreement is said.
            offline = "compressor" in settings.INSTALLED_APPS and getattr(settings, "COMPRESS_OFFLINE", False) \
                and getattr(settings, "COMPRESS_ENABLED", not settings.DEBUG)
            if PLANNED_COMPRESS and not offline:
                print("note: the settings' text turns COMPRESS_OFFLINE on (%s), the production environment turns it off: no compress" % PLANNED_COMPRESS)
            elif offline and PLANNED_COMPRESS is False:
                print("note: COMPRESS_OFFLINE is on in the production environment, which the settings' text does not say plainly: "
                      "compress runs here, the generated Dockerfile and compose file do not run it")
            if offline:
                stage = "compress"; mark("stage", stage)
                call_command("compress", verbosity=1)
        stage = "check"; mark("stage", stage)
        call_command("check", deploy=True, fail_level="ERROR")
        stage = "migrate-plan"; mark("stage", stage)
        from django.db import connections, DEFAULT_DB_ALIAS
        from django.db.migrations.executor import MigrationExecutor
        ex = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        plan = ex.migration_plan(ex.loader.graph.leaf_nodes())
        # What the live release may still use and these migrations take away: dropped or renamed columns and tables
        # of models that exist before this deploy (a model the same deploy creates is nobody's yet).
        created = set()
        def destructive(app, label, ops):
            out = []
            for op in ops:
                n = type(op).__name__
                if n == "CreateModel":
                    created.add((app, op.name.lower()))
                elif getattr(op, "model_name", None) and (app, op.model_name.lower()) in created \
                        or n in ("DeleteModel", "AlterModelTable") and (app, op.name.lower()) in created \
                        or n == "RenameModel" and (app, op.old_name.lower()) in created:
                    continue
                if n == "SeparateDatabaseAndState":
                    out += destructive(app, label, op.database_operations)
                elif n == "RemoveField":
                    out.append("%s drops the column %s.%s" % (label, op.model_name, op.name))
                elif n == "DeleteModel":
                    out.append("%s drops the table of %s" % (label, op.name))
                elif n == "RenameField":
                    out.append("%s renames the column %s.%s to %s" % (label, op.model_name, op.old_name, op.new_name))
                elif n == "RenameModel":
                    out.append("%s renames the table of %s to %s" % (label, op.old_name, op.new_name))
                elif n == "AlterModelTable":
                    out.append("%s renames the table of %s to %s" % (label, op.name, op.table))
            return out
        risky = []
        for mg, back in plan:
            if not back:
                risky += destructive(mg.app_label, "%s.%s" % (mg.app_label, mg.name), mg.operations)
        mark("result", json.dumps({"planned": ["%s.%s" % (mg.app_label, mg.name) for mg, back in plan],
                                   "applied": sorted("%s.%s" % k for k in ex.loader.applied_migrations),
                                   "destructive": risky}))
except BaseException:
    traceback.print_exc()
    mark("failed", stage)
    sys.exit(1)
"""

    STAGE_TEXT = {"import": "importing %s with the production environment", "collectstatic": "collecting static files into the release",
                  "compress": "compressing the templates' CSS and JavaScript offline (django-compressor, COMPRESS_OFFLINE)",
                  "check": "manage.py check --deploy", "migrate-plan": "planning migrations"}

    def checks(self):
        """Import, collectstatic, check --deploy and the migration plan in one Python process (one Django start)."""
        j = self.job
        mod, _, attr = j["appTarget"].partition(":")
        django = j.get("framework") == "django"
        args = json.dumps([mod, attr, django, bool(django and j.get("collectstatic")), j.get("compress")])
        self.begin("import", self.STAGE_TEXT["import"] % j["appTarget"])
        code, out = self.py(self.rel, ["-c", self.CHECKS, args], check=False)
        buf = []
        failed = None
        self.planned, self.applied, self.destructive = [], [], []
        for line in out.splitlines():
            if line.startswith("@@CW stage "):
                self.log("\n".join(buf)); buf = []
                st = line.split()[2]
                if st != "import":
                    self.begin(st, self.STAGE_TEXT[st])
            elif line.startswith("@@CW result "):
                r = json.loads(line[len("@@CW result "):])
                self.planned, self.applied, self.destructive = r["planned"], r["applied"], r.get("destructive", [])
            elif line.startswith("@@CW failed "):
                failed = line.split()[2]
            else:
                buf.append(line)
        if failed or code != 0:
            why = {"import": "the app could not be imported with the production environment",
                   "collectstatic": "collectstatic failed", "check": "manage.py check --deploy found errors",
                   "compress": "manage.py compress failed (COMPRESS_OFFLINE is on: a {% compress %} block could not be rendered offline; the traceback names the template)",
                   "migrate-plan": "the migrations could not be planned"}.get(failed or self.step, "the checks failed")
            if "Error loading psycopg2 or psycopg module" in out:
                why += ": the settings use PostgreSQL and the project declares no driver (add psycopg[binary] to its requirements, commit, deploy again)"
            raise Fail(why, "\n".join(buf))
        self.log("\n".join(buf))
        if django:
            self.log("%d migration(s) to apply" % len(self.planned) if self.planned else "no migrations to apply")
        live = read_state(self.app).get("release")
        if self.destructive and live and j.get("migrate"):
            what = "; ".join(self.destructive)
            if not j.get("allowDestructive"):
                self.begin("destructive-migrations", "checking the migrations against the live release")
                raise Fail("the migrations drop or rename what the live release %s may still use (%s). Migrations run before the switch, so "
                           "%s would run against the migrated database until then, and since migrations are never reversed, no earlier release "
                           "would be a safe rollback target either. Nothing was changed. To go ahead, deploy again and say yes (the editor's "
                           "\"Deploy Anyway\", or --yes); safer: first deploy code that no longer uses them, then the migration that drops them." % (live, what, live))
            self.ev(event="warning", step="migrate-plan", text="destructive migrations accepted: %s; %s runs against the migrated database until the switch, and no earlier release is a safe rollback target" % (what, live))

    def migrate(self):
        j = self.job
        if j.get("framework") != "django" or not j.get("migrate") or not getattr(self, "planned", None):
            return
        self.begin("migrate", "applying %d migration(s) before the switch" % len(self.planned))
        old = os.umask(0o007)
        try:
            _, out = self.py(self.rel, [j["managePy"], "migrate", "--noinput"] + j.get("settingsFlag", []))
        finally:
            os.umask(old)
        self.log(tail(out, 20))
        journal_append(self.app, {"id": self.rid, "event": "migrated", "migrations": self.planned})

    def applied_migrations(self, release):
        j = self.job
        code, out = self.py(release, [j["managePy"], "showmigrations", "--plan"] + j.get("settingsFlag", []), check=False)
        return [l[4:].strip() for l in out.splitlines() if l.startswith(" [X]")] if code == 0 else None

    def unit(self, color):
        return "%s@%s.service" % (self.job["name"], color)

    def set_link(self, path, target):
        tmp = path + ".cw-tmp"
        if os.path.lexists(tmp):
            os.unlink(tmp)
        os.symlink(target, tmp)
        os.rename(tmp, path)

    def probe(self, url_host, path, via_socket=None, port=None, tries=30, tls=False):
        """GET with the real Host and X-Forwarded-Proto; classifies what is wrong in plain words."""
        import http.client
        j = self.job
        last = None
        for i in range(tries):
            try:
                if via_socket:
                    c = http.client.HTTPConnection("localhost", timeout=10)
                    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                    s.settimeout(10)
                    s.connect(via_socket)
                    c.sock = s
                elif tls:
                    # through nginx's HTTPS site, with the domain as SNI (the catch-all rejects other names);
                    # the certificate is nginx's business here, not the app's: not verified
                    import ssl
                    ctx = ssl.create_default_context()
                    ctx.check_hostname = False
                    ctx.verify_mode = ssl.CERT_NONE
                    c = http.client.HTTPConnection("localhost", timeout=10)
                    c.sock = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=10), server_hostname=url_host)
                else:
                    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                c.request("GET", path, headers={"Host": url_host, "X-Forwarded-Proto": "https" if j.get("https") else "http", "User-Agent": "cloudward-health"})
                r = c.getresponse()
                body = r.read(4096)
                loc = r.getheader("Location") or ""
                c.close()
                if r.status == 404:
                    self.log("%s answered 404: the app runs but has no page there (set healthPath to a page that answers 200)" % path)
                    return r.status
                if r.status < 300 or r.status in (401, 403) or (r.status in (301, 302, 303, 307, 308) and not loc.startswith("https://")):
                    return r.status
                if r.status in (301, 302, 307, 308) and loc.startswith("https://") :
                    raise Fail("301 to https: the app redirected a request that came as HTTPS through nginx: SECURE_PROXY_SSL_HEADER is missing (set SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https'))" if j.get("https") else
                               "%d to https: the app redirects to HTTPS (SECURE_SSL_REDIRECT) but the site has no HTTPS yet (set https=true and provision it, or turn SECURE_SSL_REDIRECT off)" % r.status)
                if r.status == 400:
                    raise Fail("400: ALLOWED_HOSTS lacks %s (Django refuses requests for a host it does not list)" % url_host, body.decode("utf-8", "replace")[:300])
                last = Fail("the health check of %s got HTTP %d" % (path, r.status), body.decode("utf-8", "replace")[:500])
                if r.status < 500:
                    raise last
            except Fail:
                raise
            except Exception as e:
                last = Fail("the health check could not reach the app: %s" % e)
            time.sleep(1)
        raise last

    def start_color(self, color, release):
        self.set_link(os.path.join(self.app, "colors", color), os.path.relpath(release, os.path.join(self.app, "colors")))
        self.sctl("stop", self.unit(color))
        code, out = self.sctl("start", self.unit(color))
        if code != 0:
            _, journal = run(["journalctl", "-u", self.unit(color), "-n", "60", "--no-pager", "-o", "cat"], check=False)
            raise Fail("the app did not start (systemctl start %s)" % self.unit(color), out + "\n" + journal)

    def point_nginx(self, color):
        up = self.job["upstreamFile"]
        sock = self.job["colorSocket"].replace("%i", color)
        write_atomic(up, "# Written by cloudward deploy: the live colour of %s.\nserver unix:%s fail_timeout=0;\n" % (self.job["name"], sock), 0o644)
        code, out = run(self.sudo + [self.nginx, "-t"], check=False)
        if code != 0:
            raise Fail("nginx -t failed after pointing nginx at %s" % color, out)
        code, out = run(self.sudo + [self.systemctl, "reload", "nginx"], check=False)
        if code != 0:
            raise Fail("nginx could not be reloaded", out)

    def switch(self, release, rid):
        j = self.job
        st = read_state(self.app)
        old = st.get("color")
        new = "green" if old == "blue" else "blue"
        self.begin("start", "starting %s as %s beside the live release" % (rid, new))
        self.start_color(new, release)
        self.begin("health", "health check of %s: GET %s with Host %s" % (new, j["healthPath"], j["host"]))
        try:
            self.probe(j["host"], j["healthPath"], via_socket=j["colorSocket"].replace("%i", new))
        except Fail:
            self.sctl("stop", self.unit(new))
            raise
        self.begin("switch", "switching current to %s" % rid)
        prev_current = os.readlink(os.path.join(self.app, "current")) if os.path.islink(os.path.join(self.app, "current")) else None
        self.set_link(os.path.join(self.app, "current"), os.path.join("releases", rid))
        try:
            self.point_nginx(new)
            self.sctl("enable", "%s@%s.socket" % (j["name"], new))
            write_state(self.app, dict(st, color=new, release=rid))
            self.begin("live-check", "checking the site through nginx")
            if j.get("https") and j.get("httpsPort"):
                self.probe(j["host"], j["healthPath"], port=j["httpsPort"], tries=10, tls=True)
            else:
                self.probe(j["host"], j["healthPath"], port=j["listenPort"], tries=10)
        except Fail as e:
            self.log("rolling back the switch: %s" % e)
            if prev_current:
                self.set_link(os.path.join(self.app, "current"), prev_current)
            if old:
                self.point_nginx(old)
                write_state(self.app, dict(st))
            self.sctl("stop", self.unit(new))
            raise
        if old:
            self.begin("retire", "stopping the previous release (%s) once its requests are done" % old)
            time.sleep(j.get("drainSeconds", 2))
            self.sctl("disable", "%s@%s.socket" % (j["name"], old))
            # not waited for: the old processes finish their requests (graceful_timeout) on their own
            # the socket too: a request reaching it later must not start the old release again
            self.sctl("stop", "--no-block", self.unit(old))
            self.sctl("stop", "--no-block", "%s@%s.socket" % (j["name"], old))
        return old

    def prune(self):
        rel, live = releases(self.app)
        keep = self.job.get("keep", 5)
        good = [r["id"] for r in rel if r.get("status") == "good" and r["exists"]]
        st = read_state(self.app)
        protected = {live}
        for c in ("blue", "green"):
            p = os.path.join(self.app, "colors", c)
            if os.path.islink(p):
                protected.add(os.path.basename(os.readlink(p)))
        keepset = set(good[-keep:]) | protected
        for r in rel:
            if r["exists"] and r["id"] not in keepset and r.get("status") != "building":
                shutil.rmtree(os.path.join(self.app, "releases", r["id"]), ignore_errors=True)
                journal_append(self.app, {"id": r["id"], "event": "pruned", "exists": False})
        used = set()
        for d in os.listdir(os.path.join(self.app, "releases")):
            v = os.path.join(self.app, "releases", d, ".venv")
            if os.path.islink(v):
                used.add(os.path.basename(os.readlink(v)))
        vroot = os.path.join(self.app, "shared", "venvs")
        for v in os.listdir(vroot):
            if v not in used:
                shutil.rmtree(os.path.join(vroot, v), ignore_errors=True)

    def deploy(self):
        j = self.job
        journal_append(self.app, {"id": self.rid, "event": "started", "status": "building", "commit": j.get("commit"), "dirty": bool(j.get("dirty")), "by": j.get("by"), "pid": os.getpid()})
        self.recover()
        previous = read_state(self.app).get("release")
        try:
            self.prepare(j["archive"])
            self.deps()
            self.checks()
            self.migrate()
            self.switch(self.rel, self.rid)
        except Exception as e:
            out = getattr(e, "output", "")
            self.ev(event="failed", step=self.step, error=str(e), output=tail(out, 60))
            journal_append(self.app, {"id": self.rid, "event": "failed", "status": "failed", "step": self.step, "error": str(e)})
            if os.path.exists(os.path.join(self.rel, "DEPLOY_UNFINISHED")):
                shutil.rmtree(self.rel, ignore_errors=True)
                journal_append(self.app, {"id": self.rid, "event": "removed", "exists": False})
            self.ev(event="done", ok=False, live=read_state(self.app).get("release"))
            return 1
        os.unlink(os.path.join(self.rel, "DEPLOY_UNFINISHED"))
        applied = sorted(set(getattr(self, "applied", [])) | set(getattr(self, "planned", [])))
        journal_append(self.app, {"id": self.rid, "event": "live", "status": "good", "previous": previous, "applied": applied, "venv": j.get("venvKey")})
        self.begin("cleanup", "keeping the last %d good releases" % j.get("keep", 5))
        try:
            self.prune()
        except Exception as e:
            self.log("cleanup: %s" % e)
        self.ev(event="done", ok=True, live=self.rid)
        return 0

    def rollback(self):
        j = self.job
        rel, live = releases(self.app)
        target = j.get("target")
        if not target:
            ids = [r["id"] for r in rel]
            cur = ids.index(live) if live in ids else len(ids)
            cands = [r for r in rel[:cur] if r.get("status") == "good" and r["exists"]]
            if not cands:
                self.ev(event="failed", step="choose", error="there is no earlier good release to go back to")
                self.ev(event="done", ok=False, live=live)
                return 1
            target = cands[-1]["id"]
        tr = next((r for r in rel if r["id"] == target), None)
        if not tr or not tr["exists"] or tr.get("status") not in ("good", "rolled-back"):
            self.ev(event="failed", step="choose", error="release %s is not a good release on this server" % target)
            self.ev(event="done", ok=False, live=live)
            return 1
        if target == live:
            self.ev(event="done", ok=True, live=live, unchanged=True)
            return 0
        self.rid = target
        tdir = os.path.join(self.app, "releases", target)
        self.begin("database", "comparing the database with %s" % target)
        now = self.applied_migrations(tdir) or []
        ahead = [m for m in now if m not in (tr.get("applied") or [])]
        if ahead:
            self.ev(event="warning", step="database", text="the database is ahead of %s by %d migration(s), which are NOT reversed: %s" % (target, len(ahead), ", ".join(ahead)))
        journal_append(self.app, {"id": target, "event": "rollback-started", "by": j.get("by")})
        try:
            self.switch(tdir, target)
        except Exception as e:
            self.ev(event="failed", step=self.step, error=str(e), output=tail(getattr(e, "output", ""), 60))
            self.ev(event="done", ok=False, live=read_state(self.app).get("release"))
            return 1
        if live:
            journal_append(self.app, {"id": live, "event": "rolled-back-from", "status": "rolled-back"})
        journal_append(self.app, {"id": target, "event": "live", "status": "good", "rollback": True})
        self.ev(event="done", ok=True, live=target, dbAhead=ahead)
        return 0

def runner_main(job_path):
    os.umask(0o022)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    job = json.load(open(job_path))
    os.unlink(job_path)
    if job["kind"] != "deploy" and job.get("archive") and os.path.exists(job["archive"]):
        os.unlink(job["archive"])
    r = Runner(job)
    try:
        code = r.rollback() if job["kind"] == "rollback" else r.deploy()
    except Exception as e:
        emit({"event": "failed", "step": r.step, "error": "internal error: %s" % e})
        emit({"event": "done", "ok": False})
        code = 1
    try:
        os.unlink(os.path.join(cw_dir(job["appDir"]), "lock.json"))
    except OSError:
        pass
    return code

OPS = {"facts": None, "packages": op_packages, "users": op_users, "dirs": op_dirs, "files": op_files, "env": op_env,
       "systemctl": op_systemctl, "security": op_security, "postgres": op_postgres,
       "acme_preflight": op_acme_preflight, "certbot": op_certbot, "guarded": op_guarded, "confirm": op_confirm, "start": op_start, "tail": op_tail, "releases": op_releases}

def main(stream, argv):
    global AGENT_TEXT
    header = json.loads(stream.readline())
    op = header.get("op")
    try:
        if op == "facts":
            res = op_facts(header, argv[1] if len(argv) > 1 else "")
        elif op == "upload":
            res = op_upload(header, stream.read(header["size"]))
        elif op in OPS:
            res = OPS[op](header)
        else:
            raise Fail("unknown operation %s" % op)
        emit({"ok": True, "result": res})
    except Fail as e:
        emit({"ok": False, "error": str(e), "output": tail(e.output, 60)})
    except Exception as e:
        emit({"ok": False, "error": "%s: %s" % (type(e).__name__, e)})

if __name__ == "__main__" and len(sys.argv) > 2 and sys.argv[1] == "run":
    with open(__file__) as _f:
        AGENT_TEXT = _f.read()
    sys.exit(runner_main(sys.argv[2]))
`;
