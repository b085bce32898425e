#!/usr/bin/env python3
"""Reads a dlpipe-generated Airflow DAG without Airflow, and prints what each task would run.

    dag_tasks.py DAG.py --master local[2] --ds 2026-01-02 --var dlpipe_home=/srv/dlpipe [--var NAME=VALUE ...]

Airflow cannot be installed here, so this is the stand-in for its parser, its template engine and the Spark
provider's command line, each as close to the real thing as a script can be:
  * the file is parsed and compiled (ast, compile): a syntax error fails;
  * it may import only Airflow modules and datetime;
  * there is one `with DAG(...)` block, one SparkSubmitOperator per task, and `a >> b >> c` chains;
  * the module's constants and each operator's keyword arguments are evaluated from the file itself (nothing is
    re-derived), then every string is rendered with Jinja2 (Debian's python3-jinja2) in Airflow's context shape:
    `var.value.get(name, default)` from --var, `ds` from --ds;
  * each task's spark-submit command is put together in the order SparkSubmitHook._build_spark_submit_command
    uses (apache-airflow-providers-apache-spark): --master, --conf k=v..., --properties-file, --driver-memory,
    --name, --class, application, application arguments; env_vars go to the process environment.

Prints JSON: {"dag": {...DAG keyword arguments...}, "tasks": [{"task_id", "upstream", "argv", "env",
"execution_timeout_seconds"}], in dependency order}. Exit 1 with one line on stderr when a check fails.
"""
import argparse
import ast
import datetime
import json
import sys

import jinja2

ALLOWED_IMPORTS = ("airflow", "datetime")


def fail(message):
    print("dag_tasks: " + message, file=sys.stderr)
    sys.exit(1)


class _Values:
    def __init__(self, values):
        self._values = values

    def get(self, name, default=None):
        return self._values.get(name, default)


class _Var:
    """Airflow's `var` template variable: var.value.get(name, default)."""

    def __init__(self, values):
        self.value = _Values(values)


def render(value, env, context):
    if isinstance(value, str):
        return env.from_string(value).render(**context)
    if isinstance(value, list):
        return [render(v, env, context) for v in value]
    if isinstance(value, dict):
        return {k: render(v, env, context) for k, v in value.items()}
    return value


def evaluate(node, namespace, path):
    return eval(compile(ast.Expression(node), path, "eval"), namespace)


def keywords(call, namespace, path):
    out = {}
    for kw in call.keywords:
        if kw.arg is None:  # **SUBMIT
            expanded = evaluate(kw.value, namespace, path)
            for k, v in expanded.items():
                if k in out:
                    fail(f"line {call.lineno}: keyword {k} given twice")
                out[k] = v
        else:
            if kw.arg in out:
                fail(f"line {call.lineno}: keyword {kw.arg} given twice")
            out[kw.arg] = evaluate(kw.value, namespace, path)
    return out


def chain(node):
    """`a >> b >> c` as [a, b, c]."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.RShift):
        return chain(node.left) + chain(node.right)
    if isinstance(node, ast.Name):
        return [node.id]
    fail(f"line {node.lineno}: a dependency that is not a chain of task names")


def spark_submit_command(op, master):
    """The command SparkSubmitHook builds for these operator arguments (client mode, no Kerberos, not YARN/K8s)."""
    cmd = ["spark-submit", "--master", master]
    for k, v in (op.get("conf") or {}).items():
        cmd += ["--conf", f"{k}={v}"]
    if op.get("properties_file"):
        cmd += ["--properties-file", op["properties_file"]]
    for key, flag in (("files", "--files"), ("py_files", "--py-files"), ("archives", "--archives"),
                      ("driver_class_path", "--driver-class-path"), ("jars", "--jars"),
                      ("packages", "--packages"), ("exclude_packages", "--exclude-packages"),
                      ("repositories", "--repositories")):
        if op.get(key):
            cmd += [flag, op[key]]
    for key, flag in (("num_executors", "--num-executors"), ("total_executor_cores", "--total-executor-cores"),
                      ("executor_cores", "--executor-cores"), ("executor_memory", "--executor-memory"),
                      ("driver_memory", "--driver-memory")):
        if op.get(key):
            cmd += [flag, str(op[key])]
    if op.get("proxy_user"):
        cmd += ["--proxy-user", op["proxy_user"]]
    cmd += ["--name", op.get("name", "arrow-spark")]
    if op.get("java_class"):
        cmd += ["--class", op["java_class"]]
    if op.get("deploy_mode"):
        cmd += ["--deploy-mode", op["deploy_mode"]]
    cmd += [op["application"]]
    cmd += list(op.get("application_args") or [])
    return cmd


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dag")
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--ds", default="2026-01-02")
    parser.add_argument("--var", action="append", default=[], help="NAME=VALUE, an Airflow Variable")
    args = parser.parse_args()
    variables = dict(v.split("=", 1) for v in args.var)

    path = args.dag
    source = open(path, encoding="utf-8").read()
    try:
        tree = ast.parse(source, path)
        compile(tree, path, "exec")
    except SyntaxError as e:
        fail(f"{path} does not compile: {e}")

    for node in ast.walk(tree):
        modules = []
        if isinstance(node, ast.Import):
            modules = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            modules = [node.module or ""]
        for m in modules:
            if m.split(".")[0] not in ALLOWED_IMPORTS:
                fail(f"line {node.lineno}: imports {m}; a DAG file may import only Airflow modules and datetime")

    namespace = {"__builtins__": {"dict": dict}, "datetime": datetime.datetime, "timedelta": datetime.timedelta}
    withs = []
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign):
            exec(compile(ast.Module(body=[stmt], type_ignores=[]), path, "exec"), namespace)
        elif isinstance(stmt, ast.With):
            withs.append(stmt)
        elif not isinstance(stmt, (ast.Import, ast.ImportFrom, ast.Expr)):
            fail(f"line {stmt.lineno}: unexpected top-level {type(stmt).__name__}")
    if len(withs) != 1:
        fail(f"expected one `with DAG(...)` block, found {len(withs)}")
    dag_call = withs[0].items[0].context_expr
    if not (isinstance(dag_call, ast.Call) and isinstance(dag_call.func, ast.Name) and dag_call.func.id == "DAG"):
        fail(f"line {withs[0].lineno}: the with block is not `with DAG(...)`")
    dag = keywords(dag_call, namespace, path)

    operators = {}
    edges = []
    for stmt in withs[0].body:
        if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call):
            func = stmt.value.func
            if not (isinstance(func, ast.Name) and func.id == "SparkSubmitOperator"):
                fail(f"line {stmt.lineno}: a task that is not a SparkSubmitOperator")
            name = stmt.targets[0].id
            if name in operators:
                fail(f"line {stmt.lineno}: task variable {name} assigned twice")
            operators[name] = keywords(stmt.value, namespace, path)
        elif isinstance(stmt, ast.Expr):
            names = chain(stmt.value)
            for a, b in zip(names, names[1:]):
                edges.append((a, b))
        else:
            fail(f"line {stmt.lineno}: unexpected {type(stmt).__name__} in the DAG block")
    for a, b in edges:
        for n in (a, b):
            if n not in operators:
                fail(f"dependency on {n}, which is not a task")

    upstream = {n: sorted({a for a, b in edges if b == n}) for n in operators}
    ordered, done = [], set()
    while len(ordered) < len(operators):
        ready = [n for n in operators if n not in done and all(u in done for u in upstream[n])]
        if not ready:
            fail("the dependencies form a cycle")
        for n in ready:
            ordered.append(n)
            done.add(n)

    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    context = {"var": _Var(variables), "ds": args.ds}
    tasks = []
    for n in ordered:
        op = render(operators[n], env, context)
        if op.get("task_id") != n:
            fail(f"task variable {n} has task_id {op.get('task_id')}")
        timeout = op.get("execution_timeout")
        tasks.append({
            "task_id": op["task_id"],
            "upstream": upstream[n],
            "conn_id": op.get("conn_id"),
            "argv": spark_submit_command(op, args.master),
            "env": op.get("env_vars") or {},
            "execution_timeout_seconds": timeout.total_seconds() if timeout else None,
        })
    dag_out = {k: (v.isoformat() if isinstance(v, datetime.datetime) else
                   v.total_seconds() if isinstance(v, datetime.timedelta) else v)
               for k, v in dag.items() if k != "default_args"}
    defaults = dag.get("default_args") or {}
    dag_out["default_args"] = {k: (v.total_seconds() if isinstance(v, datetime.timedelta) else v)
                               for k, v in defaults.items()}
    json.dump({"dag": dag_out, "tasks": tasks}, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
