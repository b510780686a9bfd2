#!/usr/bin/env bash
# Checks that Mae works when installed as NuGet packages, the way a user gets it:
#   1. packs Mae.MutualAutoencoder and Mae.MutualAutoencoder.Export (Release) into a temporary folder feed, and checks what the
#      packages hold (the load fix in build/ and buildTransitive/, the managed-only dependencies, the readme, the symbols);
#   2. builds tests/PackageConsumer against that feed, with none of the repository's build files, and runs it: a pipeline
#      with the Mutual Autoencoder is fitted, saved, reloaded and compared;
#   3. publishes it and runs the published app;
#   4. checks that the libLibTorchSharp.so copies in both outputs are patched when the system libstdc++ lacks GLIBCXX_3.4.32
#      (and untouched when it has it), and that the NuGet cache's copy is never changed;
#   5. builds it without TorchSharp-cpu and Microsoft.ML.OnnxRuntime and checks that Mae's errors name those packages.
# Restores go to a fresh packages folder with the machine's NuGet packages folder (less any Mae package) as the fallback:
# nothing already there is downloaded or extracted again, and an older Mae package of the same version is never used.
# Everything is written under a temporary folder, removed at the end. Usage: bash tests/PackageConsumer/run.sh
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
export OMP_WAIT_POLICY=PASSIVE DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export LC_NUMERIC=C   # a decimal point in $EPOCHREALTIME, for the timings
command -v python3 >/dev/null || { echo "run.sh: python3 is needed to read the packages (bash scripts/setup.sh installs it)." >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/mae-package-consumer.XXXXXX")
trap 'rm -rf "$work"' EXIT
feed=$work/feed
started=$EPOCHREALTIME
last=$started

fail() { echo "run.sh: FAILED: $*" >&2; exit 1; }
# Prints the seconds since the previous call, and the step just done.
lap() {
    local now=$EPOCHREALTIME
    awk -v what="$1" -v t="$now" -v t0="$last" 'BEGIN { printf "run.sh: %-56s %6.1f s\n", what, t - t0 }'
    last=$now
}
# Runs a command with its output in a log, shown only if it fails.
quiet() {
    local log=$work/$1.log; shift
    "$@" >"$log" 2>&1 || { tail -n 60 "$log" >&2; fail "$* (log above)"; }
}

# 1. Pack.
quiet pack-export dotnet pack "$repo/src/Mae.Export/Mae.Export.csproj" -c Release -o "$feed"
quiet pack-mlnet dotnet pack "$repo/src/Mae.MLNet/Mae.MLNet.csproj" -c Release -o "$feed"
package=$(cd "$feed" && ls Mae.MutualAutoencoder.[0-9]*.nupkg)
version=${package#Mae.MutualAutoencoder.}
version=${version%.nupkg}
lap "packed Mae.MutualAutoencoder $version and .Export"

python3 - "$feed" "$version" "$repo/build/LibTorchSharpCompat.targets" <<'EOF' || fail "the packages do not hold what they should (above)"
import re, sys, zipfile
feed, version, targets = sys.argv[1:]
problems = []
def entries(name):
    try:
        return zipfile.ZipFile(f"{feed}/{name}")
    except FileNotFoundError:
        problems.append(f"{name} was not packed")
        return None
fix = open(targets, "rb").read()
for package, dll, wanted, unwanted in [
        ("Mae.MutualAutoencoder", "Mae.MLNet", {"TorchSharp", "Microsoft.ML", "Microsoft.ML.OnnxRuntime.Managed", "Mae.MutualAutoencoder.Export"},
         {"TorchSharp-cpu", "Microsoft.ML.OnnxRuntime", "libtorch-cpu"}),
        ("Mae.MutualAutoencoder.Export", "Mae.Export", {"Google.Protobuf"}, {"TorchSharp", "Microsoft.ML"})]:
    nupkg = entries(f"{package}.{version}.nupkg")
    if nupkg is None:
        continue
    names = set(nupkg.namelist())
    for required in ["README.md", f"lib/net10.0/{dll}.dll", f"lib/net10.0/{dll}.xml"]:
        if required not in names:
            problems.append(f"{package}: no {required}")
    if package == "Mae.MutualAutoencoder":
        for place in ["buildTransitive", "build"]:
            path = f"{place}/Mae.MutualAutoencoder.targets"
            if path not in names:
                problems.append(f"{package}: no {path} (the libLibTorchSharp.so load fix)")
            elif nupkg.read(path) != fix:
                problems.append(f"{package}: {path} differs from build/LibTorchSharpCompat.targets")
    nuspec = nupkg.read(f"{package}.nuspec").decode("utf-8-sig")
    dependencies = set(re.findall(r'<dependency id="([^"]+)"', nuspec))
    if missing := wanted - dependencies:
        problems.append(f"{package}: does not depend on {sorted(missing)}; it depends on {sorted(dependencies)}")
    if extra := unwanted & dependencies:
        problems.append(f"{package}: depends on {sorted(extra)}, which the app should choose")
    for needle in ['<license type="expression">MIT</license>', "<authors>Mae contributors</authors>", "Mutual Autoencoder", "<readme>README.md</readme>"]:
        if needle not in nuspec:
            problems.append(f"{package}: the nuspec lacks {needle}")
    symbols = entries(f"{package}.{version}.snupkg")
    if symbols is not None and f"lib/net10.0/{dll}.pdb" not in symbols.namelist():
        problems.append(f"{package}: the .snupkg has no lib/net10.0/{dll}.pdb")
for problem in problems:
    print("  " + problem, file=sys.stderr)
sys.exit(1 if problems else 0)
EOF
lap "checked the packages' contents"

# A fresh packages folder; the machine's packages folder, less any Mae package, as the fallback.
cache=$(dotnet nuget locals global-packages --list | sed -n 's/^global-packages: //p')
cache=${cache%/}
[[ -d "$cache" ]] || fail "the NuGet packages folder '$cache' does not exist; build the solution first (dotnet build Mae.sln -c Release)."
mkdir -p "$work/fallback"
for dir in "$cache"/*/; do
    name=$(basename "$dir")
    [[ "$name" == mae.mutualautoencoder* ]] || ln -s "${dir%/}" "$work/fallback/$name"
done
export MAE_PACKAGE_FEED=$feed   # read by tests/PackageConsumer/NuGet.config
restore=(-p:RestorePackagesPath="$work/packages" -p:RestoreFallbackFolders="$work/fallback" -p:MaePackageVersion="$version")

# The libLibTorchSharp.so that TorchSharp ships, and whether the system's libstdc++ can satisfy it.
shipped=$cache/torchsharp/0.107.0/runtimes/linux-x64/native/libLibTorchSharp.so
shipped_sum=""
needs_patch=false
if [[ "$(uname -s)" == Linux && -f "$shipped" ]]; then
    shipped_sum=$(sha256sum "$shipped")
    libstdcxx=$( (/sbin/ldconfig -p 2>/dev/null || ldconfig -p 2>/dev/null || true) | sed -n 's/^[[:space:]]*libstdc++\.so\.6 (.*x86-64.*) => //p' | head -n 1)
    if [[ -n "$libstdcxx" ]] && ! LC_ALL=C grep -qaF 'GLIBCXX_3.4.32' "$libstdcxx"; then
        needs_patch=true
    fi
    echo "run.sh: system libstdc++ ${libstdcxx:-(not found)}; libLibTorchSharp.so needs the patch: $needs_patch"
fi
# Checks every libLibTorchSharp.so under $1: patched (exactly one byte, the version flag, differs from TorchSharp's copy)
# when the system needs it, identical otherwise.
check_library() {
    local copies; copies=$(find "$1" -name libLibTorchSharp.so)
    [[ -n "$copies" ]] || fail "no libLibTorchSharp.so under $1"
    [[ -n "$shipped_sum" ]] || return 0
    while read -r copy; do
        local differing; differing=$(cmp -l "$copy" "$shipped" 2>/dev/null | wc -l || true)
        if [[ "$needs_patch" == true && "$differing" != 1 ]]; then
            fail "$copy is not the patched copy ($differing bytes differ from TorchSharp's; 1 expected): the packaged load fix did not run."
        elif [[ "$needs_patch" == false && "$differing" != 0 ]]; then
            fail "$copy differs from TorchSharp's copy, but this system's libstdc++ needs no patch."
        fi
        echo "run.sh: ${copy#"$work"/} is $([[ "$needs_patch" == true ]] && echo "patched (1 byte differs)" || echo "TorchSharp's own")"
    done <<<"$copies"
}
# Runs the app and checks that it passed.
run_app() {
    local log=$work/$1.log; shift
    "$@" 2>&1 | tee "$log" | sed 's/^/  | /' || fail "$* exited with ${PIPESTATUS[0]}"
    grep -q '^PackageConsumer: all checks passed.$' "$log" || fail "$* did not report that all checks passed"
}

# 2. Build and run.
quiet build dotnet build "$here/PackageConsumer.csproj" -c Release --artifacts-path "$work/app" "${restore[@]}"
[[ -f "$work/packages/mae.mutualautoencoder/$version/.nupkg.metadata" ]] \
    || fail "Mae.MutualAutoencoder was not restored from the folder feed into $work/packages."
lap "built the consumer app against the packages"
check_library "$work/app/bin"
run_app run-build "$work/app/bin/PackageConsumer/release/PackageConsumer"
lap "ran the built app"

# 3. Publish and run.
rid=linux-x64   # TorchSharp-cpu's only Linux build
quiet publish dotnet publish "$here/PackageConsumer.csproj" -c Release -r "$rid" --self-contained false --artifacts-path "$work/app" "${restore[@]}"
lap "published the consumer app ($rid)"
check_library "$work/app/publish"
run_app run-publish "$work/app/publish/PackageConsumer/release_$rid/PackageConsumer"
lap "ran the published app"

if [[ -n "$shipped_sum" && "$(sha256sum "$shipped")" != "$shipped_sum" ]]; then
    fail "the NuGet cache's $shipped changed during the run."
fi

# 5. Without the native backends: Mae's errors name the packages. NUGET_PACKAGES points at an empty folder so that TorchSharp
#    cannot fall back to copying libtorch out of the machine's NuGet cache at run time.
quiet build-without-natives dotnet build "$here/PackageConsumer.csproj" -c Release --artifacts-path "$work/no-natives" "${restore[@]}" \
    -p:MaeConsumerWithoutNatives=true
mkdir -p "$work/empty"
NUGET_PACKAGES=$work/empty "$work/no-natives/bin/PackageConsumer/release/PackageConsumer" --expect-missing-natives >"$work/no-natives.log" 2>&1 \
    || { cat "$work/no-natives.log" >&2; fail "the app built without the native backends did not report them as expected."; }
grep -o '^ok: .*dotnet add package [^ ]* --version [^ ]*' "$work/no-natives.log" | sed 's/^/  | /'
lap "built and ran the app without the native backends"

awk -v t="$EPOCHREALTIME" -v t0="$started" \
    'BEGIN { printf "run.sh: the packages work from a folder feed (build, run, publish, missing natives): %.0f s in all\n", t - t0 }'
