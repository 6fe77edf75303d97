//! PromQL SLI shapes, read with a real PromQL parser (the `promql-parser` crate).
//!
//! `promql_sli(query)` tells whether a query is an event ratio nexus-sre can take apart:
//! `sum(F(A[w])) / sum(F(B[w]))`, optionally `* 100` and optionally `1 - ...` (A is then the
//! bad events), where F is `rate` or `increase` on both sides and both sums group alike. It
//! also recognises a single counter, `sum(F(A[w]))` (or `F(A[w])`), for good/total templates.
//! Anything else comes back with the reason it does not decompose; the caller keeps its
//! time-weighted treatment. Only syntax is judged here; meaning stays in Python.

use promql_parser::label::{MatchOp, Matcher};
use promql_parser::parser::{self, token, AggregateExpr, Expr, LabelModifier, MatrixSelector};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::errors::raise;

/// A counter read over a range: `F(selector[window])`.
struct Counter<'a> {
    func: &'static str,
    sel: &'a MatrixSelector,
}

/// `sum [by|without (...)] (F(sel[w]))`.
struct SumOf<'a> {
    counter: Counter<'a>,
    grouping: Option<&'a LabelModifier>,
}

fn unparen(mut e: &Expr) -> &Expr {
    while let Expr::Paren(p) = e {
        e = &p.expr;
    }
    e
}

fn number(e: &Expr) -> Option<f64> {
    match unparen(e) {
        Expr::NumberLiteral(n) => Some(n.val),
        _ => None,
    }
}

fn counter(e: &Expr) -> Result<Counter<'_>, String> {
    let Expr::Call(call) = unparen(e) else {
        return Err(format!("expected rate(...) or increase(...), found `{e}`"));
    };
    let func = match call.func.name {
        "rate" => "rate",
        "increase" => "increase",
        other => return Err(format!("{other}() is not rate() or increase()")),
    };
    let [arg] = call.args.args.as_slice() else {
        return Err(format!("{func}() takes one argument"));
    };
    let Expr::MatrixSelector(sel) = arg.as_ref() else {
        return Err(format!(
            "{func}() of `{arg}` is not of a plain range selector"
        ));
    };
    if sel.vs.offset.is_some() || sel.vs.at.is_some() {
        return Err(format!(
            "`{sel}` uses offset or @: it does not end at the evaluation time"
        ));
    }
    if !sel.vs.matchers.or_matchers.is_empty() {
        return Err(format!("`{sel}` uses `or` inside its matchers"));
    }
    Ok(Counter { func, sel })
}

fn sum_of(e: &Expr) -> Result<SumOf<'_>, String> {
    match unparen(e) {
        Expr::Aggregate(AggregateExpr {
            op,
            expr,
            param: None,
            modifier,
        }) if op.id() == token::T_SUM => Ok(SumOf {
            counter: counter(expr)?,
            grouping: modifier.as_ref(),
        }),
        Expr::Aggregate(a) => Err(format!("`{a}` aggregates with something other than sum")),
        other => Err(format!("`{other}` is not a sum(...)")),
    }
}

fn same_grouping(a: Option<&LabelModifier>, b: Option<&LabelModifier>) -> bool {
    let norm = |m: Option<&LabelModifier>| match m {
        None => (true, Vec::new()),
        Some(m) => {
            let mut l = m.labels().labels.clone();
            l.sort();
            // `by ()` is the same as no grouping at all
            (m.is_include(), l)
        }
    };
    norm(a) == norm(b)
}

/// The ratio `sum(F(A[w])) / sum(F(B[w]))`, both sides alike.
fn ratio(e: &Expr) -> Result<(SumOf<'_>, SumOf<'_>), String> {
    let Expr::Binary(b) = unparen(e) else {
        return Err(format!("`{e}` is not a division of two sums"));
    };
    if b.op.id() != token::T_DIV {
        return Err(format!("`{e}` is not a division of two sums"));
    }
    if b.modifier
        .as_ref()
        .is_some_and(|m| m.matching.is_some() || m.return_bool)
    {
        return Err("the division uses on/ignoring/group modifiers".into());
    }
    let num = sum_of(&b.lhs)?;
    let den = sum_of(&b.rhs)?;
    if num.counter.func != den.counter.func {
        return Err(format!(
            "numerator uses {}() and denominator {}(): their ratio is not an event share",
            num.counter.func, den.counter.func
        ));
    }
    if num.counter.sel.range != den.counter.sel.range {
        return Err("numerator and denominator read different windows".into());
    }
    if !same_grouping(num.grouping, den.grouping) {
        return Err("numerator and denominator group by different labels".into());
    }
    Ok((num, den))
}

/// Strip `* 100` / `100 *`: the share in percent. Returns the inner expression and the scale.
fn unscale(e: &Expr) -> (&Expr, f64) {
    if let Expr::Binary(b) = unparen(e) {
        if b.op.id() == token::T_MUL && b.modifier.is_none() {
            if let Some(k) = number(&b.rhs) {
                return (&b.lhs, k);
            }
            if let Some(k) = number(&b.lhs) {
                return (&b.rhs, k);
            }
        }
    }
    (e, 1.0)
}

/// `1 - R`: R is then the bad share.
fn one_minus(e: &Expr) -> Option<&Expr> {
    match unparen(e) {
        Expr::Binary(b) if b.op.id() == token::T_SUB && b.modifier.is_none() => {
            (number(&b.lhs) == Some(1.0)).then_some(&*b.rhs)
        }
        _ => None,
    }
}

fn op_str(op: &MatchOp) -> &'static str {
    match op {
        MatchOp::Equal => "=",
        MatchOp::NotEqual => "!=",
        MatchOp::Re(_) => "=~",
        MatchOp::NotRe(_) => "!~",
    }
}

/// A selector as Python sees it: its text (no range), metric name and matchers.
fn selector<'py>(py: Python<'py>, sel: &MatrixSelector) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    let vs = &sel.vs;
    d.set_item("text", vs.to_string())?;
    let mut name = vs.name.clone();
    let mut matchers: Vec<(String, &str, String)> = Vec::new();
    for m in &vs.matchers.matchers {
        let Matcher {
            op,
            name: label,
            value,
        } = m;
        if label == "__name__" && matches!(op, MatchOp::Equal) && name.is_none() {
            name = Some(value.clone());
            continue;
        }
        matchers.push((label.clone(), op_str(op), value.clone()));
    }
    d.set_item("name", name)?;
    d.set_item("matchers", matchers)?;
    Ok(d)
}

fn grouping<'py>(
    py: Python<'py>,
    d: &Bound<'py, PyDict>,
    g: Option<&LabelModifier>,
) -> PyResult<()> {
    match g {
        Some(m) if !(m.is_include() && m.labels().labels.is_empty()) => {
            d.set_item("grouping", if m.is_include() { "by" } else { "without" })?;
            d.set_item("labels", m.labels().labels.clone())?;
        }
        _ => {
            d.set_item("grouping", py.None())?;
            d.set_item("labels", Vec::<String>::new())?;
        }
    }
    Ok(())
}

/// Take a PromQL SLI query apart. The result has `shape`:
/// `"ratio"` (good/total, keys `good`, `total`), `"bad_ratio"` (`1 - bad/total`: keys `bad`,
/// `total`), `"counter"` (one `sum(F(sel[w]))`: key `counter`), or None with `reason`.
/// Decomposed shapes also give `function`, `window_s`, `scale` (100 for percent), `grouping`
/// ("by", "without" or None) and `labels`. Selectors are dicts with `text`, `name`, `matchers`
/// ([(label, op, value)]). A query PromQL cannot parse raises InvalidInputError.
#[pyfunction]
pub fn promql_sli<'py>(py: Python<'py>, query: &str) -> PyResult<Bound<'py, PyDict>> {
    let expr = parser::parse(query)
        .map_err(|e| raise(py, "InvalidInputError", format!("not valid PromQL: {e}")))?;
    let d = PyDict::new(py);
    let (inner, scale) = unscale(&expr);
    let (body, inverted) = match one_minus(inner) {
        Some(rest) => (rest, true),
        None => (inner, false),
    };
    let described = match ratio(body) {
        Ok((num, den)) => {
            d.set_item("shape", if inverted { "bad_ratio" } else { "ratio" })?;
            d.set_item(
                if inverted { "bad" } else { "good" },
                selector(py, num.counter.sel)?,
            )?;
            d.set_item("total", selector(py, den.counter.sel)?)?;
            d.set_item("function", num.counter.func)?;
            d.set_item("window_s", num.counter.sel.range.as_secs_f64())?;
            d.set_item("scale", scale)?;
            grouping(py, &d, num.grouping)?;
            Ok(())
        }
        Err(why) => Err(why),
    };
    if let Err(why) = described {
        // Not a ratio: maybe one counter (a good or total template).
        let single = if scale == 1.0 && !inverted {
            sum_of(&expr)
                .map(|s| (s.counter, s.grouping))
                .or_else(|_| counter(&expr).map(|c| (c, None)))
        } else {
            Err(why.clone())
        };
        match single {
            Ok((c, g)) => {
                d.set_item("shape", "counter")?;
                d.set_item("counter", selector(py, c.sel)?)?;
                d.set_item("function", c.func)?;
                d.set_item("window_s", c.sel.range.as_secs_f64())?;
                d.set_item("scale", 1.0)?;
                grouping(py, &d, g)?;
            }
            Err(_) => {
                let why = if scale != 1.0 && scale != 100.0 {
                    format!("it multiplies by {scale}, not 100")
                } else {
                    why
                };
                d.set_item("shape", py.None())?;
                d.set_item("reason", why)?;
            }
        }
    } else if scale != 1.0 && scale != 100.0 {
        d.clear();
        d.set_item("shape", py.None())?;
        d.set_item(
            "reason",
            format!("it multiplies the share by {scale}, not 100"),
        )?;
    }
    Ok(d)
}
