package risk

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/ingot-cbdc/ingot"
)

// ThresholdsFile is the JSON form of the built-in AML thresholds per
// currency (`ingot serve --aml-thresholds FILE`): amounts are decimal
// strings in the currency; a field left out keeps its default
// (DefaultThresholds). Example:
//
//	{"CNY": {"large_value": "500000.00", "structuring_count": 3, "fan_in": 50}}
type ThresholdsFile map[string]struct {
	LargeValue            string `json:"large_value"`
	LargeValueBusiness    string `json:"large_value_business"`
	LargeValueCrossBorder string `json:"large_value_cross_border"`
	StructuringCount      *int64 `json:"structuring_count"`
	PassThroughMin        string `json:"pass_through_min"`
	FanOut                *int64 `json:"fan_out"`
	FanIn                 *int64 `json:"fan_in"`
	DormantDays           *int64 `json:"dormant_days"`
	DormantMin            string `json:"dormant_min"`
}

// ParseThresholds reads a ThresholdsFile. Unknown fields, unknown
// currencies, bad amounts and negative counts are errors.
func ParseThresholds(r io.Reader) (map[string]Thresholds, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var f ThresholdsFile
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("risk: AML thresholds: %w", err)
	}
	out := map[string]Thresholds{}
	for code, in := range f {
		cur, err := ingot.LookupCurrency(code)
		if err != nil {
			return nil, fmt.Errorf("risk: AML thresholds: %s: %w", code, err)
		}
		t := DefaultThresholds(cur)
		for _, a := range []struct {
			name string
			v    string
			to   *int64
		}{{"large_value", in.LargeValue, &t.LargeValue}, {"large_value_business", in.LargeValueBusiness, &t.LargeValueBusiness},
			{"large_value_cross_border", in.LargeValueCrossBorder, &t.LargeValueCrossBorder},
			{"pass_through_min", in.PassThroughMin, &t.PassThroughMin}, {"dormant_min", in.DormantMin, &t.DormantMin}} {
			if a.v == "" {
				continue
			}
			if *a.to, err = ingot.ParseAmount(a.v, cur); err != nil {
				return nil, fmt.Errorf("risk: AML thresholds: %s.%s: %w", code, a.name, err)
			}
		}
		for _, n := range []struct {
			name string
			v    *int64
			to   *int64
		}{{"structuring_count", in.StructuringCount, &t.StructuringCount}, {"fan_out", in.FanOut, &t.FanOut},
			{"fan_in", in.FanIn, &t.FanIn}, {"dormant_days", in.DormantDays, &t.DormantDays}} {
			if n.v == nil {
				continue
			}
			if *n.v < 0 {
				return nil, fmt.Errorf("risk: AML thresholds: %s.%s must not be negative (0 turns the pattern off)", code, n.name)
			}
			*n.to = *n.v
		}
		out[cur.Code] = t
	}
	return out, nil
}
