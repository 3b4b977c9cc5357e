package main

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/vaultproxy/vaultproxy/compile"
	"github.com/vaultproxy/vaultproxy/internal/vaulttest"
)

// examplesDir is the repository's examples/ (the tests run in cmd/vaultproxy).
const examplesDir = "../../examples"

// exampleConfigs lists every Vault Proxy configuration under examples/: not the test files of
// `vaultproxy test` (*.vptest.hcl) nor Terraform's (*.tftest.hcl, examples/terraform), which are HCL
// too.
func exampleConfigs(t *testing.T) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(examplesDir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".hcl") && !compile.IsTestFileName(p) && !strings.HasSuffix(p, ".tftest.hcl") {
			out = append(out, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"kubernetes/sidecar/proxy.hcl", "kubernetes/shared/proxy.hcl", "systemd/proxy.hcl", "vptest/proxy.hcl"} {
		if !slices.Contains(out, filepath.Join(examplesDir, want)) {
			t.Errorf("examples/%s is missing", want)
		}
	}
	return out
}

// Every example configuration is valid, without a warning, as `vaultproxy validate` says.
func TestExamplesValidate(t *testing.T) {
	for _, p := range exampleConfigs(t) {
		t.Run(strings.TrimPrefix(p, examplesDir+"/"), func(t *testing.T) {
			r := runValidate(t, "", nil, "validate", "-no-color", p)
			r.wantCode(t, exitOK)
			if r.stdout != "Success! The configuration is valid.\n\n" || r.stderr != "" {
				t.Errorf("validate %s: stdout %q, stderr %q, want success and nothing else", p, r.stdout, r.stderr)
			}
		})
	}
}

// Vault Proxy 1.21.0 accepts every example configuration too (`vault proxy -test-verify-only`).
func TestExamplesVaultProxyAccepts(t *testing.T) {
	vaulttest.Binary(t)
	for _, p := range exampleConfigs(t) {
		if ok, out := vaulttest.VerifyProxyConfig(t, p); !ok {
			t.Errorf("Vault Proxy rejects %s:\n%s", p, lastLines(out, 5))
		}
	}
}

// k8sObject is the part of a Kubernetes object the checks read.
type k8sObject struct {
	Kind     string `yaml:"kind"`
	Metadata struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	Data map[string]string `yaml:"data"`
	Spec struct {
		Template struct {
			Spec podSpec `yaml:"spec"`
		} `yaml:"template"`
		Ports []struct {
			Port       int    `yaml:"port"`
			TargetPort string `yaml:"targetPort"`
		} `yaml:"ports"`
	} `yaml:"spec"`
}

type podSpec struct {
	InitContainers []container `yaml:"initContainers"`
	Containers     []container `yaml:"containers"`
	Volumes        []struct {
		Name      string `yaml:"name"`
		ConfigMap *struct {
			Name string `yaml:"name"`
		} `yaml:"configMap"`
	} `yaml:"volumes"`
}

type container struct {
	Name          string   `yaml:"name"`
	Args          []string `yaml:"args"`
	RestartPolicy string   `yaml:"restartPolicy"`
	Ports         []struct {
		Name          string `yaml:"name"`
		ContainerPort int    `yaml:"containerPort"`
	} `yaml:"ports"`
	StartupProbe   *probe `yaml:"startupProbe"`
	ReadinessProbe *probe `yaml:"readinessProbe"`
	LivenessProbe  *probe `yaml:"livenessProbe"`
	VolumeMounts   []struct {
		Name      string `yaml:"name"`
		MountPath string `yaml:"mountPath"`
	} `yaml:"volumeMounts"`
}

type probe struct {
	HTTPGet *struct {
		Path        string `yaml:"path"`
		Port        string `yaml:"port"`
		HTTPHeaders []struct {
			Name  string `yaml:"name"`
			Value string `yaml:"value"`
		} `yaml:"httpHeaders"`
	} `yaml:"httpGet"`
}

// readObjects parses every document of a YAML file, strictly: a misspelt or misplaced key the
// checks read fails to decode into its field rather than being skipped.
func readObjects(t *testing.T, path string) []k8sObject {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var out []k8sObject
	for {
		var o k8sObject
		err := dec.Decode(&o)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, o)
	}
}

// k8sExample is what one Kubernetes example's checks found.
type k8sExample struct {
	objs   []k8sObject
	config string // the ConfigMap's proxy.hcl
	plan   *compile.Plan
}

// loadK8sExample reads dir's YAML file: its ConfigMap's proxy.hcl must be the example's proxy.hcl, byte
// for byte, and valid.
func loadK8sExample(t *testing.T, dir, yamlName string) k8sExample {
	t.Helper()
	var ex k8sExample
	ex.objs = readObjects(t, filepath.Join(dir, yamlName))
	for _, o := range ex.objs {
		if o.Kind == "ConfigMap" {
			ex.config = o.Data["proxy.hcl"]
		}
	}
	file, err := os.ReadFile(filepath.Join(dir, "proxy.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	if ex.config != string(file) {
		t.Fatalf("the ConfigMap's proxy.hcl in %s differs from %s/proxy.hcl: copy the file into it", yamlName, dir)
	}
	l := loadFrom([]string{filepath.Join(dir, "proxy.hcl")}, strings.NewReader(""), nil, mapEnv(nil))
	if l.diags.HasErrors() {
		t.Fatalf("%s/proxy.hcl: %v", dir, l.diags)
	}
	ex.plan = l.plan
	return ex
}

// listenerOn returns the plan's tcp listener on port.
func listenerOn(t *testing.T, p *compile.Plan, port int) (compile.Listener, bool) {
	t.Helper()
	for _, l := range p.Listeners() {
		if l.Type().Get() != compile.ListenerTCP {
			continue
		}
		_, ps, err := net.SplitHostPort(l.Address().Get())
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := strconv.Atoi(ps); n == port {
			return l, true
		}
	}
	return compile.Listener{}, false
}

// checkProbe checks that a probe asks /proxy/v1/ready on a listener the kubelet can reach (not
// loopback), by a port name of c, with X-Vault-Request when the listener requires it.
func checkProbe(t *testing.T, what string, pr *probe, c container, p *compile.Plan) {
	t.Helper()
	if pr == nil || pr.HTTPGet == nil {
		t.Errorf("%s: no httpGet probe", what)
		return
	}
	if pr.HTTPGet.Path != "/proxy/v1/ready" {
		t.Errorf("%s: path %q, want /proxy/v1/ready", what, pr.HTTPGet.Path)
	}
	port := 0
	for _, cp := range c.Ports {
		if cp.Name == pr.HTTPGet.Port {
			port = cp.ContainerPort
		}
	}
	l, ok := listenerOn(t, p, port)
	if !ok {
		t.Errorf("%s: port %q (%d) is no listener of proxy.hcl", what, pr.HTTPGet.Port, port)
		return
	}
	host, _, _ := net.SplitHostPort(l.Address().Get())
	if ip := net.ParseIP(host); ip == nil || ip.IsLoopback() {
		t.Errorf("%s: listener %s is not reachable by the kubelet (it probes the pod's IP)", what, l.Address().Get())
	}
	sendsHeader := false
	for _, h := range pr.HTTPGet.HTTPHeaders {
		sendsHeader = sendsHeader || (strings.EqualFold(h.Name, "X-Vault-Request") && h.Value == "true")
	}
	if l.RequireRequestHeader().Get() && !sendsHeader {
		t.Errorf("%s: listener %s requires X-Vault-Request, which the probe does not send", what, l.Address().Get())
	}
}

// checkMountsConfig checks that c runs `vaultproxy run` on the ConfigMap's proxy.hcl.
func checkMountsConfig(t *testing.T, c container, spec podSpec, configMap string) {
	t.Helper()
	vol := ""
	for _, v := range spec.Volumes {
		if v.ConfigMap != nil && v.ConfigMap.Name == configMap {
			vol = v.Name
		}
	}
	dir := ""
	for _, m := range c.VolumeMounts {
		if m.Name == vol && vol != "" {
			dir = m.MountPath
		}
	}
	if dir == "" || !slices.Equal(c.Args, []string{"run", dir + "/proxy.hcl"}) {
		t.Errorf("container %s: args %q, and ConfigMap %s mounted at %q: want run <mount>/proxy.hcl", c.Name, c.Args, configMap, dir)
	}
}

func findObject(t *testing.T, objs []k8sObject, kind string) k8sObject {
	t.Helper()
	for _, o := range objs {
		if o.Kind == kind {
			return o
		}
	}
	t.Fatalf("no %s", kind)
	return k8sObject{}
}

// The native sidecar: an init container with restartPolicy Always whose startup and readiness
// probes ask /proxy/v1/ready; the application container reaches the proxy on loopback.
func TestExampleKubernetesSidecar(t *testing.T) {
	dir := filepath.Join(examplesDir, "kubernetes", "sidecar")
	ex := loadK8sExample(t, dir, "sidecar.yaml")
	cm := findObject(t, ex.objs, "ConfigMap")
	spec := findObject(t, ex.objs, "Deployment").Spec.Template.Spec
	if len(spec.InitContainers) != 1 || len(spec.Containers) != 1 {
		t.Fatalf("want one init container (the sidecar) and one application container: %+v", spec)
	}
	sc := spec.InitContainers[0]
	if sc.RestartPolicy != "Always" {
		t.Errorf("the sidecar's restartPolicy is %q: a native sidecar needs Always", sc.RestartPolicy)
	}
	checkMountsConfig(t, sc, spec, cm.Metadata.Name)
	checkProbe(t, "startupProbe", sc.StartupProbe, sc, ex.plan)
	checkProbe(t, "readinessProbe", sc.ReadinessProbe, sc, ex.plan)
	if _, ok := listenerOn(t, ex.plan, 8100); !ok {
		t.Error("no listener on 8100, the application's VAULT_ADDR")
	}
}

// The shared Deployment: a readiness probe on /proxy/v1/ready, no liveness probe on it, and a
// Service whose target port is the proxy's default-role listener.
func TestExampleKubernetesShared(t *testing.T) {
	dir := filepath.Join(examplesDir, "kubernetes", "shared")
	ex := loadK8sExample(t, dir, "shared.yaml")
	cm := findObject(t, ex.objs, "ConfigMap")
	spec := findObject(t, ex.objs, "Deployment").Spec.Template.Spec
	if len(spec.Containers) != 1 {
		t.Fatalf("want one container: %+v", spec)
	}
	c := spec.Containers[0]
	checkMountsConfig(t, c, spec, cm.Metadata.Name)
	checkProbe(t, "readinessProbe", c.ReadinessProbe, c, ex.plan)
	if c.LivenessProbe != nil && c.LivenessProbe.HTTPGet != nil && c.LivenessProbe.HTTPGet.Path == "/proxy/v1/ready" {
		t.Error("a livenessProbe on /proxy/v1/ready restarts every replica when Vault is down")
	}
	svc := findObject(t, ex.objs, "Service")
	if len(svc.Spec.Ports) != 1 {
		t.Fatalf("Service ports: %+v", svc.Spec.Ports)
	}
	target := 0
	for _, cp := range c.Ports {
		if cp.Name == svc.Spec.Ports[0].TargetPort {
			target = cp.ContainerPort
		}
	}
	l, ok := listenerOn(t, ex.plan, target)
	if !ok || l.Role().Get() != compile.RoleDefault {
		t.Errorf("the Service's targetPort %q (%d) is not an API proxy listener of proxy.hcl", svc.Spec.Ports[0].TargetPort, target)
	}
}

// The systemd unit: Type=notify, a SIGHUP reload, and the example configuration's path.
func TestExampleSystemdUnit(t *testing.T) {
	f, err := os.Open(filepath.Join(examplesDir, "systemd", "vaultproxy.service"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	section := ""
	got := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "["):
			section = line
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				t.Errorf("not a key=value line in %s: %q", section, line)
			}
			got[section+k] = v
		}
	}
	for k, want := range map[string]string{
		"[Service]Type":       "notify",
		"[Service]ExecStart":  "/usr/local/bin/vaultproxy run /etc/vaultproxy/proxy.hcl",
		"[Service]ExecReload": "/bin/kill -HUP $MAINPID",
		"[Install]WantedBy":   "multi-user.target",
	} {
		if got[k] != want {
			t.Errorf("%s=%q, want %q", k, got[k], want)
		}
	}
	// The unit's RuntimeDirectory holds the configuration's unix socket.
	l := loadFrom([]string{filepath.Join(examplesDir, "systemd", "proxy.hcl")}, strings.NewReader(""), nil, mapEnv(nil))
	for _, ln := range l.plan.Listeners() {
		if ln.Type().Get() == compile.ListenerUnix && filepath.Dir(ln.Address().Get()) != "/run/"+got["[Service]RuntimeDirectory"] {
			t.Errorf("unix listener %s is not in RuntimeDirectory=%s", ln.Address().Get(), got["[Service]RuntimeDirectory"])
		}
	}
}
