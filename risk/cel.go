package risk

import (
	"fmt"
	"reflect"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/cost"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/ext"
	"cel.dev/cel-go/interpreter"

	"github.com/ingot-cbdc/ingot"
)

// CostLimit bounds a rule's evaluation, in CEL's cost units (about one
// per operation): a rule whose worst case may cost more is refused when it
// is created, and evaluation stops there in any case.
const CostLimit = 1000

// maxStringSize is what the cost estimate assumes of a fact that is a
// string (wallet ids, kinds, codes: all short).
const maxStringSize = 64

var env = newEnv()

func newEnv() *cel.Env {
	e, err := cel.NewEnv(
		ext.NativeTypes(reflect.TypeFor[Party](), ext.ParseStructTags(true)),
		cel.Variable("amount", cel.IntType),
		cel.Variable("currency", cel.StringType),
		cel.Variable("channel", cel.StringType),
		cel.Variable("new_payee", cel.BoolType),
		cel.Variable("payer", cel.ObjectType("risk.Party")),
		cel.Variable("payee", cel.ObjectType("risk.Party")),
		cel.Variable("now", cel.TimestampType),
		ext.Strings(),
	)
	if err != nil {
		panic(fmt.Sprintf("risk: the rules' environment: %v", err))
	}
	return e
}

// Program is a compiled rule expression.
type Program struct{ prg cel.Program }

// Compile parses and type-checks a rule's expression: it must be boolean
// and its worst-case cost within CostLimit. Errors are invalid_rule with
// CEL's message.
func Compile(expr string) (*Program, error) {
	if expr == "" || len(expr) > MaxExpressionLen {
		return nil, ingot.Errorf(ingot.CodeInvalidRule, "expression must be 1 to %d bytes", MaxExpressionLen)
	}
	ast, iss := env.Compile(expr)
	if iss.Err() != nil {
		return nil, ingot.Errorf(ingot.CodeInvalidRule, "%s", iss.Err().Error())
	}
	if !ast.OutputType().IsExactType(types.BoolType) {
		return nil, ingot.Errorf(ingot.CodeInvalidRule, "the expression is of type %s, not bool", ast.OutputType())
	}
	est, err := env.EstimateCost(ast, sizes{})
	if err != nil {
		return nil, ingot.Errorf(ingot.CodeInvalidRule, "estimating its cost: %s", err)
	}
	if est.Max > CostLimit {
		return nil, ingot.Errorf(ingot.CodeInvalidRule, "the expression may cost %d, more than the limit of %d", est.Max, CostLimit)
	}
	prg, err := env.Program(ast, cel.CostLimit(CostLimit), cel.EvalOptions(cel.OptOptimize))
	if err != nil {
		return nil, ingot.Errorf(ingot.CodeInvalidRule, "%s", err)
	}
	return &Program{prg}, nil
}

// Eval reports whether the facts match the rule. An error (a division by
// zero, an overflow, the cost limit) is no match, reported to the caller.
func (p *Program) Eval(f *Facts) (bool, error) {
	out, _, err := p.prg.Eval(activation{f})
	if err != nil {
		return false, err
	}
	b, ok := out.Value().(bool)
	return ok && b, nil
}

// activation resolves the rules' variables from the facts without building
// a map per payment.
type activation struct{ f *Facts }

func (a activation) ResolveName(name string) (any, bool) {
	switch name {
	case "amount":
		return a.f.Amount, true
	case "currency":
		return a.f.Currency, true
	case "channel":
		return a.f.Channel, true
	case "new_payee":
		return a.f.NewPayee, true
	case "payer":
		return &a.f.Payer, true
	case "payee":
		return &a.f.Payee, true
	case "now":
		return a.f.Now, true
	}
	return nil, false
}

func (a activation) Parent() interpreter.Activation { return nil }

// sizes is the cost estimate's view of the facts: strings are short.
type sizes struct{}

func (sizes) EstimateSize(n cost.AstNode) *cost.SizeEstimate {
	if len(n.Path()) > 0 {
		return &cost.SizeEstimate{Min: 0, Max: maxStringSize}
	}
	return nil
}

func (sizes) EstimateCallCost(function, overloadID string, target *cost.AstNode, args []cost.AstNode) *cost.CallEstimate {
	return nil
}
