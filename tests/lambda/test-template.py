#!/usr/bin/python3
"""deploy/template.yaml (SAM) against the code, both ways.

- every HttpApi route of the template is in maitred's route table with the
  same handler, and every route of the table is in the template; protected
  routes use the authorizer, public ones say Authorizer: NONE;
- every Handler the template names is in bootstrap's handler table, and every
  handler of the table has a function;
- the authorizer: REQUEST, payload 2.0, simple responses, identity source the
  Authorization header, cache TTL at most the access-token lifetime;
- functions: provided.al2023, 128 MB, arm64 and x86_64 selectable;
- the table equals deploy/table.yaml's; queue with a DLQ after 5 receives;
  consumer with ReportBatchItemFailures; producer on rate(1 minute);
- IAM least privilege: per function only the DynamoDB / SQS / SSM actions it
  uses, never a wildcard action, Scan or table management, the consumer may
  ChangeMessageVisibility, no function without a route, event or role (a
  conditional statement or resource, !If, is checked by what it grants);
- the Parameters and Secrets extension layer (a parameter, off when empty)
  and its port only on the functions that read the JWT key;
- secrets: none in any function's environment, the channel secrets as SSM
  parameter names (NAME_SSM) given only to the functions that use them, each
  of which may read exactly those parameters.
No cfn-lint here (see docs/deploy-aws.md): a structure test with python3-yaml.
Run by meson: test-template.py --tables TOOL --template T --table-yaml Y
"""
import argparse
import json
import subprocess
import sys
import unittest

import yaml

ARGS = None


class CfnLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short tags (!Ref, !Sub, !GetAtt ...) as {"Fn": value}."""


def _tag(loader, suffix, node):
    if isinstance(node, yaml.ScalarNode):
        v = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        v = loader.construct_sequence(node, deep=True)
    else:
        v = loader.construct_mapping(node, deep=True)
    return {"!" + suffix: v}


CfnLoader.add_multi_constructor("!", _tag)

# what each handler may do, beyond writing its logs
ALLOWED = {
    "healthz": set(),
    "authorizer": {"dynamodb:GetItem", "ssm:GetParameter"},
    "register": {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"},
    "token": {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "ssm:GetParameter"},
    "refresh": {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:BatchGetItem",
                "dynamodb:Query", "ssm:GetParameter"},
    "logout": {"dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:UpdateItem"},
    "sms-hook": {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query",
                 "ssm:GetParameter"},
    "waitlists": {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
                  "dynamodb:Query", "dynamodb:BatchWriteItem", "ssm:GetParameter"},
    "waitees": {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
                "dynamodb:Query", "dynamodb:BatchGetItem", "sqs:SendMessage", "ssm:GetParameter"},
    "guest": {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query", "ssm:GetParameter"},
    "checkin": {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "sqs:SendMessage", "ssm:GetParameter"},
    "producer": {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query",
                 "sqs:SendMessage"},
    "activity": {"dynamodb:GetItem", "dynamodb:Query"},
    "handover": {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"},
    "purge": {"dynamodb:Query", "dynamodb:DeleteItem"},
    "consumer": {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query",
                 "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
                 "sqs:ChangeMessageVisibility", "ssm:GetParameter"},
    "password": {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "ssm:GetParameter"},
    "staff": {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
              "dynamodb:Query"},
    "restaurant": {"dynamodb:GetItem", "dynamodb:PutItem"},
    # counters as parties finish: UpdateItem ADD (stats_keep in waitees, guest, sms-hook)
    "stats": {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:BatchGetItem"},
}
# the ones each must have to work at all
REQUIRED = {
    "consumer": {"sqs:ChangeMessageVisibility", "sqs:ReceiveMessage", "sqs:DeleteMessage"},
    "producer": {"sqs:SendMessage", "dynamodb:Query"},
    "purge": {"dynamodb:Query", "dynamodb:DeleteItem"},
    "waitees": {"sqs:SendMessage"},
    "token": {"ssm:GetParameter"},
    "refresh": {"ssm:GetParameter"},
    "authorizer": {"ssm:GetParameter", "dynamodb:GetItem"},
    "password": {"ssm:GetParameter", "dynamodb:UpdateItem"},
    "stats": {"dynamodb:Query", "dynamodb:BatchGetItem"},
    "guest": {"dynamodb:UpdateItem"},
    "sms-hook": {"dynamodb:UpdateItem"},
}
# guest links (docs/guests.md) are keyed by the JWT secret too
NEEDS_JWT = {"token", "refresh", "authorizer", "waitlists", "waitees", "consumer", "guest", "checkin", "password"}


# the secrets maitred takes from the environment; on Lambda, their SSM parameter names
SECRETS = ("MAITRE_JWT_SECRET", "MAITRE_SMS_TOKEN", "MAITRE_SMTP_PASSWORD", "MAITRE_WEBHOOK_SECRET",
           "MAITRE_SMS_HOOK_SECRET")
# which function gets which channel secret (NAME_SSM), and the template parameter naming it
CHANNEL_SECRETS = {"consumer": {"MAITRE_SMS_TOKEN_SSM": "SmsTokenParameter",
                                "MAITRE_SMTP_PASSWORD_SSM": "SmtpPasswordParameter"},
                   "sms-hook": {"MAITRE_SMS_HOOK_SECRET_SSM": "SmsHookSecretParameter"}}
NO_VALUE = {"!Ref": "AWS::NoValue"}


def granted(x):
    """x with each !If [cond, a, b] replaced by what it grants (a; b when that is not AWS::NoValue)."""
    if isinstance(x, dict) and set(x) == {"!If"}:
        _, a, b = x["!If"]
        return granted(a) if b == NO_VALUE else [granted(a), granted(b)]
    if isinstance(x, list):
        return [granted(v) for v in x if v != NO_VALUE]
    if isinstance(x, dict) and not any(k.startswith("!") for k in x):
        return {k: granted(v) for k, v in x.items() if v != NO_VALUE}
    return x


def statements(fn):
    """The IAM statements of a function, conditional ones by what they grant."""
    out = []
    for pol in fn["Properties"].get("Policies") or []:
        for st in pol["Statement"]:
            st = granted(st)
            out += st if isinstance(st, list) else [st]
    return out


def load(path):
    with open(path) as f:
        return yaml.load(f, Loader=CfnLoader)


class TestTemplate(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.t = load(ARGS.template)
        cls.code = json.loads(subprocess.run([ARGS.tables], capture_output=True, text=True,
                                             check=True).stdout)
        res = cls.t["Resources"]
        cls.functions = {k: v for k, v in res.items() if v["Type"] == "AWS::Serverless::Function"}
        cls.by_handler = {v["Properties"]["Handler"]: (k, v) for k, v in cls.functions.items()}

    def routes(self):
        """{(method, path): (handler, protected)} from the template's HttpApi events."""
        out = {}
        for name, fn in self.functions.items():
            for ev in (fn["Properties"].get("Events") or {}).values():
                if ev["Type"] != "HttpApi":
                    continue
                p = ev["Properties"]
                self.assertEqual(p.get("ApiId"), {"!Ref": "HttpApi"}, name)
                key = (p["Method"], p["Path"])
                self.assertNotIn(key, out, "route %s %s twice" % key)
                public = (p.get("Auth") or {}).get("Authorizer") == "NONE"
                out[key] = (fn["Properties"]["Handler"], not public)
        return out

    def test_routes_both_ways(self):
        tmpl = self.routes()
        code = {(r["method"], r["path"]): (r["handler"], r["protected"]) for r in self.code["routes"]}
        self.assertGreater(len(code), 10)
        for key, v in tmpl.items():
            self.assertIn(key, code, "template route %s %s is not in maitred's route table" % key)
            self.assertEqual(v, code[key], "route %s %s: template (handler, protected) %r, maitred %r"
                             % (key[0], key[1], v, code[key]))
        for key in code:
            self.assertIn(key, tmpl, "maitred route %s %s is missing from the template" % key)

    def test_handlers_both_ways(self):
        handlers = set(self.code["handlers"])
        for h in self.by_handler:
            self.assertIn(h, handlers, "the template names handler %r, bootstrap has no such handler" % h)
        for h in handlers:
            self.assertIn(h, self.by_handler, "handler %r has no function in the template" % h)
        self.assertEqual(len(self.by_handler), len(self.functions), "two functions with one handler")

    def test_runtime(self):
        g = self.t["Globals"]["Function"]
        self.assertEqual(g["Runtime"], "provided.al2023")
        self.assertEqual(g["MemorySize"], 128)
        self.assertEqual(g["Architectures"], [{"!Ref": "Architecture"}])
        self.assertEqual(set(self.t["Parameters"]["Architecture"]["AllowedValues"]), {"x86_64", "arm64"})
        self.assertTrue(g["CodeUri"].endswith("function.zip"))
        env = g["Environment"]["Variables"]
        self.assertIn("MAITRE_STORE", env)
        self.assertIn("MAITRE_SQS_QUEUE_URL", env)
        self.assertNotIn("MAITRE_JWT_SECRET", env, "the key belongs in SSM, not in the environment")
        for name, fn in self.functions.items():
            p = fn["Properties"]
            for k in ("Runtime", "MemorySize", "CodeUri"):
                self.assertNotIn(k, p, "%s overrides %s" % (name, k))
            fenv = (p.get("Environment") or {}).get("Variables") or {}
            self.assertEqual("MAITRE_JWT_SECRET_SSM" in fenv, p["Handler"] in NEEDS_JWT, name)

    def test_authorizer(self):
        api = self.t["Resources"]["HttpApi"]
        self.assertEqual(api["Type"], "AWS::Serverless::HttpApi")
        auth = api["Properties"]["Auth"]
        a = auth["Authorizers"][auth["DefaultAuthorizer"]]
        self.assertEqual(a["AuthorizerPayloadFormatVersion"], "2.0")
        self.assertIs(a["EnableSimpleResponses"], True)
        self.assertEqual(a["Identity"]["Headers"], ["Authorization"])
        fn = a["FunctionArn"]["!GetAtt"]
        self.assertEqual(self.functions[fn.split(".")[0]]["Properties"]["Handler"], "authorizer")
        ttl = a["Identity"]["ReauthorizeEvery"]
        p = self.t["Parameters"][ttl["!Ref"]] if isinstance(ttl, dict) else {"Default": ttl, "MaxValue": ttl}
        self.assertLessEqual(int(p["MaxValue"]), self.code["accessTtl"])
        self.assertLessEqual(int(p["Default"]), self.code["accessTtl"])

    def test_table_matches_table_yaml(self):
        mine = dict(self.t["Resources"]["MaitreTable"]["Properties"])
        theirs = dict(load(ARGS.table_yaml)["Resources"]["MaitreTable"]["Properties"])
        self.assertEqual(mine, theirs)

    def test_queue_and_events(self):
        res = self.t["Resources"]
        q = res["NotifyQueue"]["Properties"]
        self.assertEqual(q["RedrivePolicy"]["maxReceiveCount"], 5)
        self.assertEqual(q["RedrivePolicy"]["deadLetterTargetArn"], {"!GetAtt": "NotifyDeadLetterQueue.Arn"})
        _, cons = self.by_handler["consumer"]
        ev = [e for e in cons["Properties"]["Events"].values() if e["Type"] == "SQS"]
        self.assertEqual(len(ev), 1)
        self.assertEqual(ev[0]["Properties"]["FunctionResponseTypes"], ["ReportBatchItemFailures"])
        self.assertEqual(ev[0]["Properties"]["Queue"], {"!GetAtt": "NotifyQueue.Arn"})
        timeout = cons["Properties"].get("Timeout", self.t["Globals"]["Function"]["Timeout"])
        self.assertGreaterEqual(q["VisibilityTimeout"], 6 * timeout)
        _, prod = self.by_handler["producer"]
        ev = [e for e in prod["Properties"]["Events"].values() if e["Type"] == "Schedule"]
        self.assertEqual([e["Properties"]["Schedule"] for e in ev], ["rate(1 minute)"])
        self.assertLess(prod["Properties"]["Timeout"], 60)

    def test_secrets_not_in_the_environment(self):
        envs = {"Globals": self.t["Globals"]["Function"]["Environment"]["Variables"]}
        for name, fn in self.functions.items():
            envs[name] = (fn["Properties"].get("Environment") or {}).get("Variables") or {}
        for where, env in envs.items():
            for k in SECRETS:
                self.assertNotIn(k, env, "%s: %s belongs in SSM, not in the environment" % (where, k))
        for name, fn in self.functions.items():
            h = fn["Properties"]["Handler"]
            env = envs[name]
            mine = CHANNEL_SECRETS.get(h, {})
            for k in env:
                if k.endswith("_SSM") and k != "MAITRE_JWT_SECRET_SSM":
                    self.assertIn(k, mine, "%s does not use %s" % (name, k))
            ssm_res = []
            for st in statements(fn):
                if "ssm:GetParameter" in (st["Action"] if isinstance(st["Action"], list) else [st["Action"]]):
                    ssm_res += st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]]
            for var, param in mine.items():
                self.assertEqual(env.get(var), {"!Ref": param}, "%s: %s" % (name, var))
                self.assertIn("Parameter", self.t["Parameters"][param]["Description"])
                self.assertNotIn("NoEcho", self.t["Parameters"][param], "a name, not a secret")
                arn = {"!Sub": "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter${%s}" % param}
                self.assertIn(arn, ssm_res, "%s may not read %s" % (name, param))
            for r in ssm_res:   # and nothing else than its own secrets
                ok = ["JwtSecretParameter"] * (h in NEEDS_JWT) + list(mine.values())
                self.assertTrue(any(r == {"!Sub": "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:"
                                              "parameter${%s}" % p} for p in ok), "%s may read %r" % (name, r))
        for p in self.t["Parameters"].values():
            self.assertNotIn("NoEcho", p, "secrets are SSM parameters, not template parameters")

    def test_secrets_extension_layer(self):
        """The Parameters and Secrets extension: a layer (parameterised ARN, off when
        empty) and its port only on the functions that read the JWT key."""
        import re
        p = self.t["Parameters"]["SecretsExtensionLayerArn"]
        self.assertEqual(p["Default"], "")
        pat = re.compile(p["AllowedPattern"])
        self.assertTrue(pat.match(""))
        self.assertTrue(pat.match("arn:aws:lambda:eu-west-1:015030872274:layer:"
                                  "AWS-Parameters-and-Secrets-Lambda-Extension-Arm64:12"))
        self.assertFalse(pat.match("AWS-Parameters-and-Secrets-Lambda-Extension"))
        self.assertEqual(self.t["Conditions"]["HasSecretsExtension"],
                         {"!Not": [{"!Equals": [{"!Ref": "SecretsExtensionLayerArn"}, ""]}]})
        nothing = {"!Ref": "AWS::NoValue"}
        self.assertNotIn("Layers", self.t["Globals"]["Function"])
        for name, fn in self.functions.items():
            prop = fn["Properties"]
            env = (prop.get("Environment") or {}).get("Variables") or {}
            if "MAITRE_JWT_SECRET_SSM" in env:
                # one element, dropped by CloudFormation when the condition is false
                self.assertEqual(prop.get("Layers"), [{"!If": ["HasSecretsExtension",
                                                                {"!Ref": "SecretsExtensionLayerArn"}, nothing]}], name)
                self.assertEqual(env.get("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT"),
                                 {"!If": ["HasSecretsExtension", "2773", nothing]}, name)
            else:
                self.assertNotIn("Layers", prop, "%s reads no secret through the extension" % name)
                self.assertNotIn("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", env, name)

    def test_least_privilege(self):
        for h, (name, fn) in self.by_handler.items():
            actions = set()
            for pol in fn["Properties"].get("Policies") or []:
                self.assertIsInstance(pol, dict, "%s: only inline statements, no managed policies" % name)
            for st in statements(fn):
                self.assertEqual(st["Effect"], "Allow")
                acts = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
                for a in acts:
                    self.assertNotIn("*", a, "%s: wildcard action %s" % (name, a))
                actions |= set(acts)
                res = st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]]
                self.assertNotIn("*", res, "%s: resource *" % name)
            extra = actions - ALLOWED[h]
            self.assertEqual(extra, set(), "%s may do more than it uses: %s" % (name, sorted(extra)))
            missing = REQUIRED.get(h, set()) - actions
            self.assertEqual(missing, set(), "%s lacks %s" % (name, sorted(missing)))
        for a in ("dynamodb:Scan", "dynamodb:CreateTable", "dynamodb:DeleteTable"):
            self.assertNotIn(a, set().union(*ALLOWED.values()))


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--tables", required=True)
    ap.add_argument("--template", required=True)
    ap.add_argument("--table-yaml", required=True)
    ARGS, rest = ap.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
