// Command flaggerhash is the oracle of flagger-py's Flagger-compatible hashes (test infrastructure).
//
//	flaggerhash layout   prints, as JSON, the Go layout of corev1.PodTemplateSpec and of every type it
//	                     reaches (field order, Go names, JSON names, type names), as Flagger 1.44's
//	                     k8s.io/api sees it
//	flaggerhash hash     reads one JSON object per line, {"object": <Deployment|DaemonSet|ConfigMap|Secret>},
//	                     decodes it as Flagger's client-go does and prints one JSON line per object:
//	                     {"hash": ComputeHash of the pod template as Flagger's SyncStatus passes it,
//	                     "spew": the text that was hashed} or {"checksum": config tracker checksum}
package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strings"

	"github.com/davecgh/go-spew/spew"
	"github.com/fluxcd/flagger/pkg/canary"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/scheme"
)

type field struct {
	Name     string `json:"name"`
	JSON     string `json:"json"` // "" when not decoded from JSON (unexported or json:"-")
	Type     string `json:"type"`
	Embedded bool   `json:"embedded"`
}

type typeInfo struct {
	Kind   string  `json:"kind"`
	// Unmarshaler: the type decodes itself from JSON (resource.Quantity, intstr.IntOrString, v1.Time...)
	Unmarshaler bool `json:"unmarshaler,omitempty"`
	Elem   string  `json:"elem,omitempty"`
	Key    string  `json:"key,omitempty"`
	Fields []field `json:"fields,omitempty"`
}

var unmarshaler = reflect.TypeOf((*json.Unmarshaler)(nil)).Elem()

func layout() error {
	types := map[string]typeInfo{}
	paths := map[string]string{}
	var walk func(t reflect.Type) error
	walk = func(t reflect.Type) error {
		name := t.String()
		if seen, ok := paths[name]; ok {
			if seen != t.PkgPath()+"."+t.Name() {
				return fmt.Errorf("two types print as %s: %s and %s.%s", name, seen, t.PkgPath(), t.Name())
			}
			return nil
		}
		paths[name] = t.PkgPath() + "." + t.Name()
		info := typeInfo{Kind: t.Kind().String(), Unmarshaler: reflect.PointerTo(t).Implements(unmarshaler)}
		switch t.Kind() {
		case reflect.Ptr, reflect.Slice, reflect.Array:
			info.Elem = t.Elem().String()
			types[name] = info
			return walk(t.Elem())
		case reflect.Map:
			info.Key, info.Elem = t.Key().String(), t.Elem().String()
			types[name] = info
			if err := walk(t.Key()); err != nil {
				return err
			}
			return walk(t.Elem())
		case reflect.Struct:
			for i := 0; i < t.NumField(); i++ {
				f := t.Field(i)
				jsonName := ""
				if f.IsExported() {
					tag := strings.Split(f.Tag.Get("json"), ",")[0]
					switch {
					case tag == "-":
					case tag != "":
						jsonName = tag
					case !f.Anonymous:
						jsonName = f.Name
					}
				}
				info.Fields = append(info.Fields, field{f.Name, jsonName, f.Type.String(), f.Anonymous})
			}
			types[name] = info
			for i := 0; i < t.NumField(); i++ {
				if err := walk(t.Field(i).Type); err != nil {
					return err
				}
			}
			return nil
		default:
			types[name] = info
			return nil
		}
	}
	if err := walk(reflect.TypeOf(corev1.PodTemplateSpec{})); err != nil {
		return err
	}
	names := make([]string, 0, len(types))
	for n := range types {
		names = append(names, n)
	}
	sort.Strings(names)
	ordered := make([][2]any, 0, len(names))
	for _, n := range names {
		ordered = append(ordered, [2]any{n, types[n]})
	}
	out, err := json.MarshalIndent(map[string]any{"root": "v1.PodTemplateSpec", "types": ordered}, "", " ")
	if err != nil {
		return err
	}
	fmt.Println(string(out))
	return nil
}

func spewText(v any) string {
	printer := spew.ConfigState{Indent: " ", SortKeys: true, DisableMethods: true, SpewKeys: true}
	return printer.Sprintf("%#v", v)
}

func checksum(data any) string {
	raw, _ := json.Marshal(data)
	sum := sha256.Sum256(raw)
	return fmt.Sprintf("%x", sum[:8])
}

func hashOne(raw json.RawMessage) (map[string]string, error) {
	obj, _, err := scheme.Codecs.UniversalDeserializer().Decode(raw, nil, nil)
	if err != nil {
		return nil, err
	}
	return answer(obj)
}

func answer(obj runtime.Object) (map[string]string, error) {
	switch o := obj.(type) {
	case *appsv1.Deployment:
		return map[string]string{"hash": canary.ComputeHash(o.Spec.Template), "spew": spewText(o.Spec.Template)}, nil
	case *appsv1.DaemonSet:
		// as Flagger's DaemonSetController.SyncStatus and HasTargetChanged
		delete(o.Spec.Template.Spec.NodeSelector, "flagger.app/scale-to-zero")
		if o.Spec.Template.Spec.NodeSelector == nil {
			o.Spec.Template.Spec.NodeSelector = map[string]string{}
		}
		return map[string]string{"hash": canary.ComputeHash(o.Spec.Template), "spew": spewText(o.Spec.Template)}, nil
	case *corev1.ConfigMap:
		return map[string]string{"checksum": checksum(o.Data)}, nil
	case *corev1.Secret:
		return map[string]string{"checksum": checksum(o.Data)}, nil
	}
	return nil, fmt.Errorf("unsupported object %T", obj)
}

func hash() error {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 64<<20)
	out := json.NewEncoder(os.Stdout)
	out.SetEscapeHTML(false)
	for in.Scan() {
		var line struct {
			Object json.RawMessage `json:"object"`
		}
		if err := json.Unmarshal(in.Bytes(), &line); err != nil {
			return err
		}
		result, err := hashOne(line.Object)
		if err != nil {
			result = map[string]string{"error": err.Error()}
		}
		if err := out.Encode(result); err != nil {
			return err
		}
	}
	return in.Err()
}

func main() {
	var err error
	switch {
	case len(os.Args) == 2 && os.Args[1] == "layout":
		err = layout()
	case len(os.Args) == 2 && os.Args[1] == "hash":
		err = hash()
	default:
		err = fmt.Errorf("usage: flaggerhash layout|hash")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "flaggerhash:", err)
		os.Exit(1)
	}
}
