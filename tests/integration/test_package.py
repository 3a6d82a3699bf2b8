#!/usr/bin/python3
"""The Debian package, built and installed as an operator would (issue 17).

From the configured build directory (AURORA_BUILD) it makes the release tree
(`make distdir`: what `make dist` packs), which has no node_modules, so the
web app must come from the tarball's prebuilt web-dist/ ("make install
without npm"). In that tree `dpkg-buildpackage -us -uc -b` builds the .deb
(DEB_BUILD_OPTIONS=nocheck: the unit tests run in `make check`), lintian
checks it (any E: fails), and it is installed with `dpkg -i` on this machine:
a throwaway root would need a second Debian system (debootstrap, the network)
to run adduser and dpkg-statoverride in, while installing here runs the real
maintainer scripts. It cannot collide with the development stack, which runs
the binaries of the build directory on its own ports and nginx config, and
the last test purges the package (and removes the system user if this test
created it); the install tests are skipped when aurora-time is already
installed or its paths exist, so an operator's installation is never touched.

Prints PASS name / FAIL name: reason / SKIP name: reason, like the others.
Run: /usr/bin/python3 tests/integration/test_package.py (as root).
Environment: AURORA_BUILD, AURORA_KEEP_STACK=1 keeps the temporary directory.
"""

import glob
import grp
import hashlib
import os
import pwd
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import traceback

TOP = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
BUILD = os.path.abspath(os.environ.get("AURORA_BUILD") or os.path.join(TOP, "var", "build"))
PKG = "aurora-time"
USER = "aurora-time"
CONF = "/etc/aurora-time/aurora.conf"
CRON = "/etc/cron.d/aurora-remind"
SITE = "/etc/nginx/sites-available/aurora-time"
WEB = "/usr/share/aurora-time/web"
STATE = "/var/lib/aurora-time"
REMIND_ENV = "/etc/aurora-time/remind.env"
# Paths the package owns: if one exists before the test, someone installed
# Aurora Time here and the test leaves the machine alone.
OWNED = ["/usr/sbin/aurora-api", "/usr/sbin/aurora-remind", "/usr/bin/aurora-admin",
         "/usr/sbin/aurora-fetch", "/etc/aurora-time", "/usr/share/aurora-time", STATE, CRON, SITE]
UNITS = ["aurora-api.service", "aurora-api.socket", "aurora-remind.service",
         "aurora-remind.timer", "aurora-remind-watch.service", "aurora-fetch.service",
         "aurora-fetch.timer", "aurora-fetch-watch.service"]


class Fail(Exception):
    pass


class Skip(Exception):
    pass


def expect(cond, msg):
    if not cond:
        raise Fail(msg)


def run(cmd, timeout=120, check=True, **kw):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=timeout, stdin=subprocess.DEVNULL, **kw)
    if check and p.returncode != 0:
        raise Fail("%s exited %d: %s" % (" ".join(cmd[:4]), p.returncode, tail(p.stdout)))
    return p


def tail(text, n=6):
    return " | ".join(text.strip().splitlines()[-n:])


def upstream_version():
    with open(os.path.join(TOP, "configure.ac")) as f:
        m = re.search(r"AC_INIT\(\[[^]]*\],\s*\[([^]]+)\]", f.read())
    if not m:
        raise Fail("configure.ac has no AC_INIT version")
    return m.group(1)


def installed():
    p = subprocess.run(["dpkg-query", "-W", "-f=${Status}", PKG], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, text=True)
    return p.returncode == 0 and p.stdout.strip() not in ("", "unknown ok not-installed",
                                                            "purge ok not-installed")


def mode_owner(path):
    st = os.stat(path)
    return (stat.S_IMODE(st.st_mode), pwd.getpwuid(st.st_uid).pw_name,
            grp.getgrgid(st.st_gid).gr_name)


def md5(path):
    with open(path, "rb") as f:
        return hashlib.md5(f.read()).hexdigest()


class Ctx:
    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="aurora-pkg-")
        self.version = upstream_version()
        self.src = os.path.join(self.tmp, "%s-%s" % (PKG, self.version))
        self.deb = None
        self.changes = None
        self.user_existed = True
        self.touched = False   # dpkg -i ran: cleanup purges


# ------------------------------------------------------------------ build
def test_tarball_ships_built_web_app(c):
    expect(os.path.isfile(os.path.join(BUILD, "Makefile")),
           "%s is not configured (tools/dev build)" % BUILD)
    run(["make", "-s", "-C", BUILD, "distdir", "distdir=" + c.src], timeout=300)
    expect(not os.path.exists(os.path.join(c.src, "node_modules")), "the release tree has node_modules")
    index = os.path.join(c.src, "web-dist", "index.html")
    expect(os.path.isfile(index), "make dist ships no web-dist/index.html")
    assets = os.listdir(os.path.join(c.src, "web-dist", "assets"))
    expect(any(a.startswith("fullcalendar.") for a in assets),
           "web-dist/assets has no FullCalendar: %s" % sorted(assets)[:5])
    expect(os.path.isfile(os.path.join(c.src, "debian", "rules")), "the release tree has no debian/")
    ch = run(["dpkg-parsechangelog", "-l", os.path.join(c.src, "debian", "changelog"), "-S", "Version"])
    expect(ch.stdout.strip().split("-")[0] == c.version,
           "debian/changelog is %s, configure.ac %s" % (ch.stdout.strip(), c.version))


def test_package_builds(c):
    expect(os.path.isdir(c.src), "no release tree (previous test failed)")
    for tool in ("dpkg-buildpackage", "dh", "fakeroot", "lintian"):
        expect(shutil.which(tool), "%s is missing: tools/dev installs it (DEB_PKGS)" % tool)
    env = dict(os.environ, DEB_BUILD_OPTIONS="nocheck parallel=%d" % (os.cpu_count() or 2))
    env.pop("MAKEFLAGS", None)
    env.pop("MFLAGS", None)
    t0 = time.monotonic()
    p = subprocess.run(["dpkg-buildpackage", "-us", "-uc", "-b"], cwd=c.src, env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       stdin=subprocess.DEVNULL, timeout=900)
    with open(os.path.join(c.tmp, "build.log"), "w") as f:
        f.write(p.stdout)
    expect(p.returncode == 0, "dpkg-buildpackage exited %d: %s" % (p.returncode, tail(p.stdout, 10)))
    arch = run(["dpkg-architecture", "-qDEB_HOST_ARCH"]).stdout.strip()
    c.deb = os.path.join(c.tmp, "%s_%s-1_%s.deb" % (PKG, c.version, arch))
    c.changes = os.path.join(c.tmp, "%s_%s-1_%s.changes" % (PKG, c.version, arch))
    expect(os.path.isfile(c.deb), "no %s: %s" % (os.path.basename(c.deb), os.listdir(c.tmp)))
    listing = run(["dpkg-deb", "-c", c.deb]).stdout
    paths = {line.split()[5].lstrip(".") for line in listing.splitlines()}
    want = ["/usr/sbin/aurora-api", "/usr/sbin/aurora-remind", "/usr/bin/aurora-admin",
            "/usr/sbin/aurora-fetch", "/usr/share/aurora-time/sql/019_fetch_role.sql",
            "/usr/share/aurora-time/sql/001_core.sql", CONF, CRON, SITE, WEB + "/index.html",
            "/usr/share/man/man8/aurora-api.8.gz", "/usr/share/man/man5/aurora.conf.5.gz"]
    want += ["/lib/systemd/system/" + u for u in UNITS]
    missing = [w for w in want if w not in paths]
    expect(not missing, "the .deb lacks %s" % missing)
    with open(os.path.join(c.tmp, "build.log")) as f:
        expect("build-web:" not in f.read(), "the package build ran tools/build-web (it must use web-dist)")
    print("# built %s in %.0f s" % (os.path.basename(c.deb), time.monotonic() - t0), flush=True)


def test_lintian_no_errors(c):
    expect(c.changes and os.path.isfile(c.changes), "no package (build failed)")
    p = run(["lintian", "--allow-root", "--display-info", "--show-overrides", c.changes],
            timeout=300, check=False)
    tags = [l for l in p.stdout.splitlines() if re.match(r"^[EWIXPO]: ", l)]
    errors = [l for l in tags if l.startswith("E: ")]
    expect(p.returncode in (0, 1), "lintian exited %d: %s" % (p.returncode, tail(p.stdout)))
    expect(not errors, "lintian: %s" % " | ".join(errors[:5]))
    # the overridden tags are listed too: proof that lintian read the package
    overridden = [l for l in tags if l.startswith("O: ")]
    expect(overridden, "lintian reported nothing, not even the overridden tags: %r" % p.stdout[:300])
    print("# lintian: %d errors, %d warnings, %d info, %d overridden (debian/%s.lintian-overrides)"
          % (len(errors), sum(l.startswith("W: ") for l in tags),
             sum(l.startswith("I: ") for l in tags), len(overridden), PKG), flush=True)


# ------------------------------------------------------------------ install
def test_install_user_dirs_config(c):
    expect(c.deb and os.path.isfile(c.deb), "no package (build failed)")
    if os.geteuid() != 0:
        raise Skip("dpkg -i needs root")
    if installed():
        raise Skip("%s is installed on this machine; the test does not replace it" % PKG)
    there = [p for p in OWNED if os.path.lexists(p)]
    if there:
        raise Skip("%s exist on this machine (an installation?); not touched" % there)
    try:
        pwd.getpwnam(USER)
    except KeyError:
        c.user_existed = False
    c.touched = True
    run(["dpkg", "-i", c.deb], timeout=300)
    expect(installed(), "dpkg -i did not install %s" % PKG)
    u = pwd.getpwnam(USER)
    expect(u.pw_uid < 1000 and u.pw_shell.endswith("nologin"),
           "%s is not a system user without a shell: %s" % (USER, u))
    expect(grp.getgrgid(u.pw_gid).gr_name == USER, "%s's group is not %s" % (USER, USER))
    expect(mode_owner(CONF) == (0o640, "root", USER), "%s is %s" % (CONF, mode_owner(CONF)))
    expect(mode_owner(STATE) == (0o750, USER, USER), "%s is %s" % (STATE, mode_owner(STATE)))
    keys = STATE + "/keys"
    expect(mode_owner(keys) == (0o700, USER, USER), "%s is %s" % (keys, mode_owner(keys)))
    conffiles = run(["dpkg-query", "-W", "-f=${Conffiles}", PKG]).stdout
    for f in (CONF, CRON, SITE):
        expect(re.search(r"^ %s [0-9a-f]{32}$" % re.escape(f), conffiles, re.M),
               "%s is not a conffile: %r" % (f, conffiles))


def test_binaries_and_man_pages(c):
    expect(installed(), "not installed")
    for prog in ("/usr/sbin/aurora-api", "/usr/sbin/aurora-remind", "/usr/sbin/aurora-fetch"):
        p = run([prog, "-V"])
        expect(p.stdout.strip() == "%s %s" % (os.path.basename(prog), c.version),
               "%s -V: %r" % (prog, p.stdout))
    p = run(["/usr/bin/aurora-admin"], check=False)
    expect(p.returncode == 2 and "usage: aurora-admin" in p.stdout, "aurora-admin: %r" % p.stdout)
    # the sample configuration parses, with the installed binaries' defaults
    p = run(["/usr/sbin/aurora-api", "-t", "-c", CONF])
    expect("is valid" in p.stdout, "aurora-api -t: %r" % p.stdout)
    run(["/usr/sbin/aurora-remind", "-t", "-c", CONF])
    run(["/usr/sbin/aurora-fetch", "-t", "-c", CONF])
    for page in ("man8/aurora-api.8.gz", "man8/aurora-admin.8.gz", "man8/aurora-remind.8.gz",
                 "man8/aurora-fetch.8.gz", "man5/aurora.conf.5.gz"):
        expect(os.path.isfile("/usr/share/man/" + page), "no man page %s" % page)
    expect(os.path.isfile("/usr/share/aurora-time/sql/009_least_privilege.sql"), "no migrations")
    with open("/lib/systemd/system/aurora-api.service") as f:
        unit = f.read()
    expect("ExecStart=/usr/sbin/aurora-api -c /etc/aurora-time/aurora.conf" in unit,
           "aurora-api.service runs something else")


def test_nothing_enabled_or_started(c):
    expect(installed(), "not installed")
    links = []
    for base in ("/etc/systemd/system", "/lib/systemd/system", "/usr/lib/systemd/system"):
        links += [p for p in glob.glob(base + "/*.wants/aurora-*") + glob.glob(base + "/*.requires/aurora-*")]
    expect(not links, "units enabled at install: %s" % links)
    # The maintainer scripts start, restart or stop nothing except on removal.
    ctl = os.path.join(c.tmp, "control")
    run(["dpkg-deb", "-e", c.deb, ctl])
    for script in ("preinst", "postinst", "prerm", "postrm"):
        path = os.path.join(ctl, script)
        if not os.path.exists(path):
            continue
        with open(path) as f:
            text = f.read()
        acts = re.findall(r"deb-systemd-invoke\s+(\S+)", text)
        acts += re.findall(r"systemctl\s+(?:--\S+\s+)*(start|restart|try-restart|reload-or-restart|"
                           r"enable|stop)\b", text)
        acts += re.findall(r"deb-systemd-helper\s+(enable)\s", text)
        for act in acts:
            # deb-systemd-helper enable only runs for a unit the operator
            # had enabled before (was-enabled): it restores, never enables
            expect((act == "stop" and script == "prerm") or
                   (act == "enable" and "was-enabled" in text),
                   "%s runs %s" % (script, act))
        expect("invoke-rc.d" not in text, "%s runs invoke-rc.d" % script)
    # prerm stops the units on removal only, not on upgrade
    with open(os.path.join(ctl, "prerm")) as f:
        prerm = f.read()
    stop_case = re.search(r"^(\S+)\)\n(?:(?!^\S+\)).)*deb-systemd-invoke stop", prerm, re.M | re.S)
    expect(stop_case and stop_case.group(1) == "remove", "prerm does not stop the units on removal only")
    p = run(["pgrep", "-f", "^/usr/sbin/aurora-(api|remind)"], check=False)
    expect(p.returncode == 1, "an installed program is running: %s" % p.stdout.strip())


def test_nginx_site_serves_installed_web_app(c):
    expect(installed(), "not installed")
    with open(SITE) as f:
        site = f.read()
    roots = re.findall(r"^\s*root\s+([^;]+);", site, re.M)
    expect(roots == [WEB], "the site's root is %s, not %s" % (roots, WEB))
    expect(os.path.isfile(WEB + "/index.html"), "no %s/index.html" % WEB)
    with open(WEB + "/index.html", "rb") as a, open(os.path.join(c.src, "web-dist", "index.html"), "rb") as b:
        expect(a.read() == b.read(), "the installed web app is not the tarball's web-dist")
    refs = re.findall(r'/assets/([A-Za-z0-9_.-]+)', open(WEB + "/index.html").read())
    expect(refs, "index.html refers to no assets")
    absent = [r for r in refs if not os.path.isfile(WEB + "/assets/" + r)]
    expect(not absent, "index.html refers to missing assets %s" % absent)
    expect(not glob.glob("/etc/nginx/sites-enabled/*aurora*"), "the package enabled the nginx site")
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if os.path.exists(nginx) and os.path.isfile("/etc/nginx/mime.types"):
        d = os.path.join(c.tmp, "nginx")
        os.makedirs(d)
        with open(os.path.join(d, "nginx.conf"), "w") as f:
            f.write("error_log %s/error.log;\npid %s/nginx.pid;\nevents {}\nhttp {\n"
                    "    include /etc/nginx/mime.types;\n    access_log off;\n    include %s;\n}\n"
                    % (d, d, SITE))
        run([nginx, "-t", "-p", d + "/", "-c", os.path.join(d, "nginx.conf")])


def cron_command():
    with open(CRON) as f:
        lines = [l for l in f.read().splitlines() if l.strip() and not l.startswith("#")
                 and not re.match(r"^[A-Z_]+=", l)]
    expect(len(lines) == 1, "%s has %d job lines" % (CRON, len(lines)))
    fields = lines[0].split(None, 6)
    expect(fields[5] == USER, "the cron job runs as %s" % fields[5])
    return fields[6]


def test_cron_line_idle_until_configured(c):
    expect(installed(), "not installed")
    expect(mode_owner(CRON)[:2] == (0o644, "root"), "%s is %s" % (CRON, mode_owner(CRON)))
    cmd = cron_command()
    runuser = shutil.which("runuser") or "/usr/sbin/runuser"
    env = {"PATH": "/usr/bin:/bin", "HOME": STATE, "SHELL": "/bin/sh"}
    # not configured: no output (cron would mail it every minute), status 0
    p = run([runuser, "-u", USER, "--", "/bin/sh", "-c", cmd], env=env, check=False, timeout=60)
    expect(p.returncode == 0 and p.stdout == "",
           "unconfigured cron line: status %d, %r" % (p.returncode, p.stdout[:200]))
    # configured (remind.env readable by the user): it runs the sender, which
    # here reaches no database and says so
    nowhere = "host=%s/no-such-dir dbname=aurora user=aurora_remind" % c.tmp
    with open(REMIND_ENV, "w") as f:
        f.write("AURORA_DB_CONNECT_TIMEOUT=1\nAURORA_DB_REMIND_CONNINFO='%s'\n" % nowhere)
    try:
        os.chown(REMIND_ENV, 0, grp.getgrnam(USER).gr_gid)
        os.chmod(REMIND_ENV, 0o640)
        p = run([runuser, "-u", USER, "--", "/bin/sh", "-c", cmd], env=env, check=False, timeout=60)
        expect("aurora-remind" in p.stdout,
               "the configured cron line did not run aurora-remind: %r" % p.stdout[:200])
    finally:
        os.unlink(REMIND_ENV)


def repack(c, version, append):
    """The built .deb as a new version whose sample aurora.conf changed."""
    d = os.path.join(c.tmp, "repack")
    shutil.rmtree(d, ignore_errors=True)
    run(["dpkg-deb", "-R", c.deb, d])
    with open(os.path.join(d, "DEBIAN", "control")) as f:
        control = f.read()
    with open(os.path.join(d, "DEBIAN", "control"), "w") as f:
        f.write(re.sub(r"^Version: .*$", "Version: " + version, control, flags=re.M))
    with open(os.path.join(d, CONF.lstrip("/")), "a") as f:
        f.write(append)
    out = os.path.join(c.tmp, "%s_%s_repack.deb" % (PKG, version))
    run(["dpkg-deb", "--root-owner-group", "-b", d, out])
    return out


def test_changed_config_survives_reinstall_and_upgrade(c):
    expect(installed(), "not installed")
    mine = "\n# operator's change (test_package)\nworkers = 2\n"
    with open(CONF, "a") as f:
        f.write(mine)
    changed = md5(CONF)
    # the same version again: dpkg keeps the changed file without asking
    run(["dpkg", "-i", c.deb], timeout=300)
    expect(md5(CONF) == changed, "reinstalling replaced the changed %s" % CONF)
    expect(mode_owner(CONF) == (0o640, "root", USER), "after reinstall %s is %s" % (CONF, mode_owner(CONF)))
    # a new version whose sample changed: the operator's file stays, the new
    # sample lands beside it (what --force-confold answers to dpkg's question)
    newer = repack(c, "%s-1+pkgtest1" % c.version, "# a new key in the next version\n")
    run(["dpkg", "-i", "--force-confold", newer], timeout=300)
    expect(md5(CONF) == changed, "the upgrade replaced the changed %s" % CONF)
    expect(mode_owner(CONF) == (0o640, "root", USER), "after upgrade %s is %s" % (CONF, mode_owner(CONF)))
    dist = CONF + ".dpkg-dist"
    expect(os.path.isfile(dist), "no %s beside the kept file" % dist)
    with open(dist) as f:
        expect("a new key in the next version" in f.read(), "%s is not the new sample" % dist)
    os.unlink(dist)


def test_remove_keeps_state_purge_removes_it(c):
    expect(installed(), "not installed")
    key = STATE + "/keys/test.pem"
    with open(key, "w") as f:
        f.write("not a key\n")
    run(["dpkg", "-r", PKG], timeout=300)
    expect(not os.path.exists("/usr/sbin/aurora-api"), "dpkg -r left /usr/sbin/aurora-api")
    expect(os.path.isfile(key), "dpkg -r removed the signing keys (only purge may)")
    expect(os.path.isfile(CONF), "dpkg -r removed the configuration (only purge may)")
    run(["dpkg", "--purge", PKG], timeout=300)
    c.touched = False
    for path in (STATE, CONF, CRON, SITE, "/usr/share/aurora-time"):
        expect(not os.path.lexists(path), "purge left %s" % path)
    overrides = run(["dpkg-statoverride", "--list"]).stdout
    expect("aurora-time" not in overrides, "purge left statoverrides: %r" % overrides)


def cleanup(c):
    if c.touched or installed():
        subprocess.run(["dpkg", "--purge", PKG], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not c.user_existed:
        subprocess.run(["userdel", USER], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        subprocess.run(["groupdel", USER], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if os.environ.get("AURORA_KEEP_STACK") == "1":
        print("# kept %s" % c.tmp, file=sys.stderr)
    else:
        shutil.rmtree(c.tmp, ignore_errors=True)


TESTS = [
    ("tarball_ships_built_web_app", test_tarball_ships_built_web_app),
    ("package_builds", test_package_builds),
    ("lintian_no_errors", test_lintian_no_errors),
    ("install_user_dirs_config", test_install_user_dirs_config),
    ("binaries_and_man_pages", test_binaries_and_man_pages),
    ("nothing_enabled_or_started", test_nothing_enabled_or_started),
    ("nginx_site_serves_installed_web_app", test_nginx_site_serves_installed_web_app),
    ("cron_line_idle_until_configured", test_cron_line_idle_until_configured),
    ("changed_config_survives_reinstall_and_upgrade", test_changed_config_survives_reinstall_and_upgrade),
    ("remove_keeps_state_purge_removes_it", test_remove_keeps_state_purge_removes_it),
]


def main():
    c = Ctx()
    failed = 0
    skip_rest = None
    try:
        for name, fn in TESTS:
            if skip_rest:
                print("SKIP %s: %s" % (name, skip_rest), flush=True)
                continue
            try:
                fn(c)
            except Skip as e:
                print("SKIP %s: %s" % (name, e), flush=True)
                if fn is test_install_user_dirs_config:
                    skip_rest = str(e)
            except Exception as e:  # noqa: BLE001 — every failure is reported
                failed += 1
                print("FAIL %s: %s" % (name, " ".join(("%s: %s" % (type(e).__name__, e)).split())[:400]),
                      flush=True)
                if not isinstance(e, Fail):
                    print("# " + traceback.format_exc().rstrip().replace("\n", "\n# "), file=sys.stderr)
            else:
                print("PASS %s" % name, flush=True)
    finally:
        cleanup(c)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
