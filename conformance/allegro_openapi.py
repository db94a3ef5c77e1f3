"""Strict checks of HTTP exchanges against Allegro's published OpenAPI description.

Used by tests only: the emulator's tests and, later, the product's Allegro client tests.

The spec is loaded once per process (it is large and slow to parse) and preprocessed so that
"an unknown field or a wrong type fails":

* ``allOf`` compositions whose parts are plain object schemas are flattened into a single object
  schema (properties and ``required`` merged);
* subtype schemas built as ``allOf: [DiscriminatedBase, {...}]`` are flattened too and their
  discriminator property is pinned to the mapping value(s) that select them; every other reference
  to the discriminated base is replaced by a ``oneOf`` over the flattened subtypes;
* ``oneOf`` alternatives that are identical apart from descriptions are merged (a ``oneOf`` can never
  match a document that two of its branches accept);
* every object schema that declares ``properties`` but says nothing about ``additionalProperties``
  gets ``additionalProperties: false`` – unless it is still a part of an ``allOf`` that could not be
  flattened (there, being strict would reject valid documents).

A few plain mistakes of the published spec are corrected first (``ERRATA``, each with its reason).

URLs are mapped onto ``https://api.allegro.pl`` so that emulator addresses (``http://127.0.0.1:PORT``)
resolve to the spec's paths.
"""

from __future__ import annotations

import copy
import functools
import json
import os
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import yaml
from openapi_core import Config, OpenAPI, V30RequestValidator, V30ResponseValidator
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

SPEC_ENV_VAR = "ALLEGRO_OPENAPI_SPEC"
SHARED_DIR = Path(os.environ.get("MAGAZYNIER_SHARED_DIR") or Path(__file__).resolve().parents[2] / "shared")
DEFAULT_SPEC_PATH = SHARED_DIR / "reference" / "allegro-openapi.yaml"
API_HOST_URL = "https://api.allegro.pl"
_REF_PREFIX = "#/components/schemas/"
VENDOR_JSON_TYPES = ("application/vnd.allegro.public.v1+json", "application/vnd.allegro.beta.v1+json")
_DISPATCH_SUFFIX = "__dispatch"


class ConformanceError(AssertionError):
    """An exchange does not match the OpenAPI description."""


def spec_path() -> Path:
    return Path(os.environ.get(SPEC_ENV_VAR, DEFAULT_SPEC_PATH))


# --------------------------------------------------------------------------------------------------
# Spec preprocessing
# --------------------------------------------------------------------------------------------------


class _Strictifier:
    def __init__(self, spec: dict[str, Any]):
        self.spec = spec
        self.schemas: dict[str, Any] = spec["components"]["schemas"]
        # base schema name -> {subtype name: [discriminator values]}
        self.discriminated: dict[str, dict[str, list[str]]] = {}
        self.lenient_components: set[str] = set()
        self._done: set[str] = set()
        self._in_progress: set[str] = set()

    # ---- helpers ---------------------------------------------------------------------------------
    def resolve(self, schema: Any) -> tuple[str | None, Any]:
        name = None
        while isinstance(schema, dict) and "$ref" in schema:
            name = schema["$ref"].removeprefix(_REF_PREFIX)
            schema = self.flatten_component(name)
        return name, schema

    def run(self) -> dict[str, Any]:
        for name, schema in self.schemas.items():
            disc = schema.get("discriminator") if isinstance(schema, dict) else None
            if disc and disc.get("mapping"):
                subtypes: dict[str, list[str]] = {}
                for value, ref in disc["mapping"].items():
                    subtypes.setdefault(ref.removeprefix(_REF_PREFIX), []).append(value)
                self.discriminated[name] = subtypes
        # 1. flatten allOf compositions everywhere (components and inline), bottom-up
        for name in list(self.schemas):
            self.flatten_component(name)
        self.spec["paths"] = self.flatten(self.spec["paths"], owner=None)
        # 1b. the spec has oneOf alternatives that are identical apart from prose (e.g. the bulk
        #     modification task report); a oneOf can never match those, so keep one of each
        self.spec = self._dedupe_one_of(self.spec)
        self.schemas = self.spec["components"]["schemas"]
        # 2. schemas still used as allOf parts must stay lenient
        self._collect_lenient(self.spec)
        # 3. discriminated bases are replaced by a dispatching oneOf where referenced directly
        for base, subtypes in self.discriminated.items():
            self.schemas[base + _DISPATCH_SUFFIX] = {
                "oneOf": [{"$ref": _REF_PREFIX + sub} for sub in subtypes],
            }
        self.spec = self._redirect_refs(self.spec, in_all_of=False)
        self.schemas = self.spec["components"]["schemas"]
        # 4. object schemas become closed
        self._close(self.spec, in_all_of=False)
        for name in self.lenient_components | set(self.discriminated):
            schema = self.schemas.get(name)
            if isinstance(schema, dict) and schema.get("additionalProperties") is False:
                if schema.pop("x-strictified", False):
                    del schema["additionalProperties"]
        return self.spec

    def flatten_component(self, name: str) -> Any:
        if name in self._done or name in self._in_progress:
            return self.schemas[name]
        self._in_progress.add(name)
        self.schemas[name] = self.flatten(self.schemas[name], owner=name)
        self._in_progress.discard(name)
        self._done.add(name)
        return self.schemas[name]

    def flatten(self, node: Any, owner: str | None) -> Any:
        if isinstance(node, list):
            return [self.flatten(item, owner) for item in node]
        if not isinstance(node, dict):
            return node
        node = {key: self.flatten(value, owner) for key, value in node.items()}
        if "allOf" in node:
            merged = self._merge_all_of(node, owner)
            if merged is not None:
                return merged
        return node

    def _merge_all_of(self, node: dict[str, Any], owner: str | None) -> dict[str, Any] | None:
        properties: dict[str, Any] = {}
        required: list[str] = []
        pinned: dict[str, list[str]] = {}
        nullable_parts = []
        for part in node["allOf"]:
            name, resolved = self.resolve(part)
            if not isinstance(resolved, dict):
                return None
            if "allOf" in resolved:  # a referenced composite that could not be flattened
                return None
            if any(key in resolved for key in ("oneOf", "anyOf", "not", "items")):
                return None
            if "additionalProperties" in resolved:
                return None
            if resolved.get("type") not in (None, "object"):
                return None
            if "discriminator" in resolved:
                subtypes = self.discriminated.get(name or "", {})
                if owner is None or owner not in subtypes:
                    return None
                pinned[resolved["discriminator"]["propertyName"]] = subtypes[owner]
            if "properties" not in resolved and resolved.get("type") != "object":
                continue  # description-only part
            nullable_parts.append(bool(resolved.get("nullable")))
            for prop, prop_schema in resolved.get("properties", {}).items():
                earlier = properties.get(prop)
                if isinstance(earlier, dict) and isinstance(prop_schema, dict) and "$ref" not in prop_schema:
                    # a later part refines an inherited property (e.g. a subtype's default)
                    prop_schema = {**earlier, **prop_schema} if "$ref" not in earlier else prop_schema
                properties[prop] = prop_schema
            for req in resolved.get("required", []):
                if req not in required:
                    required.append(req)
        merged: dict[str, Any] = {key: value for key, value in node.items() if key != "allOf"}
        merged["type"] = "object"
        for prop, values in pinned.items():
            base = copy.deepcopy(properties.get(prop, {"type": "string"}))
            base["enum"] = values
            properties[prop] = base
        merged["properties"] = properties
        if required:
            merged["required"] = required
        if nullable_parts and all(nullable_parts):
            merged["nullable"] = True
        return merged

    def _canonical(self, node: Any, depth: int = 0) -> Any:
        if depth > 12:  # recursive schemas: compare by reference beyond this depth
            return node
        _, resolved = self.resolve(node)
        if isinstance(resolved, dict):
            return {k: self._canonical(v, depth + 1) for k, v in resolved.items()
                    if k not in ("description", "example")}
        if isinstance(resolved, list):
            return [self._canonical(v, depth + 1) for v in resolved]
        return resolved

    def _dedupe_one_of(self, node: Any) -> Any:
        if isinstance(node, list):
            return [self._dedupe_one_of(item) for item in node]
        if not isinstance(node, dict):
            return node
        node = {key: self._dedupe_one_of(value) for key, value in node.items()}
        if isinstance(node.get("oneOf"), list) and "discriminator" not in node:
            kept, seen = [], []
            for branch in node["oneOf"]:
                canonical = json.dumps(self._canonical(branch), sort_keys=True)
                if canonical not in seen:
                    seen.append(canonical)
                    kept.append(branch)
            node["oneOf"] = kept
        return node

    def _collect_lenient(self, node: Any) -> None:
        if isinstance(node, dict):
            for part in node.get("allOf", []):
                if isinstance(part, dict) and "$ref" in part:
                    self.lenient_components.add(part["$ref"].removeprefix(_REF_PREFIX))
            for value in node.values():
                self._collect_lenient(value)
        elif isinstance(node, list):
            for item in node:
                self._collect_lenient(item)

    def _redirect_refs(self, node: Any, in_all_of: bool) -> Any:
        if isinstance(node, list):
            return [self._redirect_refs(item, in_all_of) for item in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node and not in_all_of:
            name = node["$ref"].removeprefix(_REF_PREFIX)
            if name in self.discriminated:
                return {**node, "$ref": _REF_PREFIX + name + _DISPATCH_SUFFIX}
        return {
            key: self._redirect_refs(value, in_all_of=(key == "allOf")) for key, value in node.items()
        }

    def _close(self, node: Any, in_all_of: bool) -> None:
        if isinstance(node, list):
            for item in node:
                self._close(item, in_all_of)
            return
        if not isinstance(node, dict):
            return
        if (
            not in_all_of
            and isinstance(node.get("properties"), dict)
            and "additionalProperties" not in node
            and "discriminator" not in node
            and not any(key in node for key in ("allOf", "oneOf", "anyOf"))
        ):
            node["additionalProperties"] = False
            node["x-strictified"] = True
        for key, value in node.items():
            if key in ("example", "examples", "x-strictified"):
                continue
            if key == "properties" and isinstance(value, dict):
                for prop_schema in value.values():
                    self._close(prop_schema, in_all_of=False)
            else:
                self._close(value, in_all_of=(key == "allOf"))


def _drop_markers(node: Any) -> None:
    if isinstance(node, dict):
        node.pop("x-strictified", None)
        for value in node.values():
            _drop_markers(value)
    elif isinstance(node, list):
        for item in node:
            _drop_markers(item)


# Known mistakes in the published spec, corrected before checking: (schema, property, key, value, why).
ERRATA: tuple[tuple[str, str, str, Any, str], ...] = (
    ("CheckoutForms", "count", "minimum", 0, "an empty page has count 0"),
    ("CheckoutForms", "totalCount", "minimum", 0, "no orders at all gives totalCount 0"),
)


def _apply_errata(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    for schema, prop, key, value, _why in ERRATA:
        schemas[schema]["properties"][prop][key] = value


def strictify(spec: dict[str, Any]) -> dict[str, Any]:
    """Return a strict copy of an OpenAPI 3.0 document (see module docstring)."""
    spec = copy.deepcopy(spec)
    _apply_errata(spec)
    result = _Strictifier(spec).run()
    _drop_markers(result)
    return result


@functools.cache
def load_raw_spec() -> dict[str, Any]:
    with spec_path().open("rb") as handle:
        return yaml.load(handle, Loader=yaml.CSafeLoader)  # noqa: S506 - CSafeLoader is the safe loader


@functools.cache
def strict_spec() -> dict[str, Any]:
    return strictify(load_raw_spec())


_DESERIALIZERS = {media_type: json.loads for media_type in VENDOR_JSON_TYPES}


@functools.cache
def openapi() -> OpenAPI:
    """The strict spec as an openapi-core ``OpenAPI`` object (for callers that want the full API)."""
    config = Config(spec_validator_cls=None, extra_media_type_deserializers=_DESERIALIZERS)
    return OpenAPI.from_dict(strict_spec(), config=config)


# Validators (not unmarshallers): they check the same things and are ~20x faster on large bodies.
@functools.cache
def _request_validator() -> V30RequestValidator:
    return V30RequestValidator(openapi().spec, extra_media_type_deserializers=_DESERIALIZERS)


@functools.cache
def _response_validator() -> V30ResponseValidator:
    return V30ResponseValidator(openapi().spec, extra_media_type_deserializers=_DESERIALIZERS)


# --------------------------------------------------------------------------------------------------
# Request / response adapters
# --------------------------------------------------------------------------------------------------


@dataclass
class _Request:
    method: str
    path: str
    query: list[tuple[str, str]]
    headers: Headers
    body: bytes | None
    parameters: RequestParameters
    host_url: str = API_HOST_URL

    @property
    def content_type(self) -> str:
        return (self.headers.get("content-type") or "").lower()


@dataclass
class _Response:
    status_code: int
    headers: Headers
    data: bytes | None

    @property
    def content_type(self) -> str:
        return (self.headers.get("content-type") or "").lower()


def _body_bytes(body: Any) -> bytes | None:
    if body is None:
        return None
    if isinstance(body, bytes | bytearray):
        return bytes(body)
    if isinstance(body, str):
        return body.encode()
    return json.dumps(body).encode()


def _make_request(method: str, url: str, headers: Mapping[str, str] | None, body: Any) -> _Request:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    header_obj = Headers(list((headers or {}).items()))
    return _Request(
        method=method.lower(),
        path=parts.path or "/",
        query=query,
        headers=header_obj,
        body=_body_bytes(body),
        parameters=RequestParameters(query=ImmutableMultiDict(query), header=header_obj),
    )


def _short(text: object, limit: int = 300) -> str:
    text = str(text)
    return text if len(text) <= limit else text[:limit] + "…"


def _schema_error_lines(exc: BaseException, indent: str) -> list[str]:
    lines = []
    for inner in getattr(exc, "schema_errors", None) or []:
        path = "/".join(str(p) for p in getattr(inner, "absolute_path", []) or [])
        lines.append(f"{indent}- at '{path}': {_short(getattr(inner, 'message', inner))}")
        for sub in getattr(inner, "context", None) or []:
            sub_path = "/".join(str(p) for p in getattr(sub, "absolute_path", []) or [])
            lines.append(f"{indent}    · at '{sub_path}': {_short(sub.message)}")
    return lines


def _describe(errors: Any) -> str:
    lines = []
    for error in errors if isinstance(errors, list | tuple) else [errors]:
        lines.append(f"{type(error).__name__}: {_short(error)}")
        lines.extend(_schema_error_lines(error, "  "))
        cause = error.__cause__
        while cause is not None:
            lines.append(f"  caused by {type(cause).__name__}")
            lines.extend(_schema_error_lines(cause, "    "))
            cause = cause.__cause__
    return "\n".join(lines)


def _is_security_only(exc: Exception) -> bool:
    # The spec's oauth2 security schemes cannot be evaluated by openapi-core; token checks are the
    # emulator's own business (tested against the research facts).
    return "Security" in type(exc).__name__


def check_request(method: str, url: str, headers: Mapping[str, str] | None = None, body: Any = None) -> None:
    """Raise ConformanceError when the request does not match the spec (path, params, body)."""
    request = _make_request(method, url, headers, body)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "Unsupported scheme type" for oauth2
        errors = [err for err in _request_validator().iter_errors(request) if not _is_security_only(err)]
    if errors:
        raise ConformanceError(f"request {method.upper()} {url} does not conform:\n{_describe(errors)}")


def check_response(
    method: str,
    url: str,
    status_code: int,
    response_headers: Mapping[str, str] | None,
    response_body: Any,
    request_headers: Mapping[str, str] | None = None,
    request_body: Any = None,
    allow_undeclared_errors: bool = False,
) -> None:
    """Raise ConformanceError when the response does not match the spec for that operation/status.

    With ``allow_undeclared_errors`` an error status the spec does not list for the operation (or a
    path it does not have) is accepted if its body is Allegro's ``ErrorsHolder`` or ``AuthError``.
    """
    request = _make_request(method, url, request_headers, request_body)
    response = _Response(
        status_code=status_code,
        headers=Headers(list((response_headers or {}).items())),
        data=_body_bytes(response_body),
    )
    errors = list(_response_validator().iter_errors(request, response))
    if errors and allow_undeclared_errors and status_code >= 400 and all(
        type(err).__name__ in _UNDECLARED for err in errors
    ):
        _check_undeclared_error(status_code, response_body)
        return
    if errors:
        raise ConformanceError(
            f"response {status_code} to {method.upper()} {url} does not conform:\n{_describe(errors)}"
        )


_UNDECLARED = {"ResponseNotFound", "PathNotFound", "OperationNotFound"}


def _check_undeclared_error(status_code: int, body: Any) -> None:
    try:
        data = json.loads(_body_bytes(body) or b"null")
    except ValueError as exc:
        raise ConformanceError(f"{status_code} response body is not JSON") from exc
    if isinstance(data, dict) and "error" in data:
        check_schema("AuthError", data)
    else:
        check_error_body(data)


def check_exchange(request: Any, response: Any, *, check_request_too: bool = True,
                   allow_undeclared_errors: bool = False) -> None:
    """Validate an ``httpx.Request``/``httpx.Response`` pair (request first, then the response)."""
    req_headers = dict(request.headers.items())
    req_body = request.content if request.content else None
    url = str(request.url)
    if check_request_too:
        check_request(request.method, url, req_headers, req_body)
    check_response(
        request.method,
        url,
        response.status_code,
        dict(response.headers.items()),
        response.content if response.content else None,
        req_headers,
        req_body,
        allow_undeclared_errors=allow_undeclared_errors,
    )


def httpx_response_hook(allow_undeclared_errors: bool = True, skip_prefixes: tuple[str, ...] = (
        "/auth/", "/__admin__", "/skojarz-aplikacje", "/uzytkownik/")):
    """An ``httpx`` response event hook validating every API exchange (requests only when accepted).

    ``httpx.Client(event_hooks={"response": [httpx_response_hook()]})``
    """

    def hook(response: Any) -> None:
        response.read()
        if response.request.url.path.startswith(skip_prefixes):
            return
        check_exchange(response.request, response, check_request_too=response.is_success,
                       allow_undeclared_errors=allow_undeclared_errors)

    return hook


@functools.cache
def _schema_validator(name: str) -> Any:
    from openapi_schema_validator import OAS30Validator

    schema = {**strict_spec()["components"]["schemas"][name], "components": strict_spec()["components"]}
    return OAS30Validator(schema)


def check_schema(name: str, data: Any) -> None:
    """Validate a decoded JSON document against one of the spec's component schemas (strict)."""
    errors = sorted(_schema_validator(name).iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        lines = [f"- at '{'/'.join(map(str, e.absolute_path))}': {_short(e.message)}" for e in errors]
        raise ConformanceError(f"document does not match schema {name}:\n" + "\n".join(lines))


def check_error_body(data: Any) -> None:
    """Allegro's standard error body (``ErrorsHolder``), for statuses the spec does not declare."""
    check_schema("ErrorsHolder", data)


@functools.cache
def _path_patterns() -> list[tuple[re.Pattern[str], str, frozenset[str]]]:
    patterns = []
    for template, item in strict_spec()["paths"].items():
        regex = "^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + "$"
        methods = frozenset(m for m in item if m in ("get", "post", "put", "patch", "delete"))
        patterns.append((re.compile(regex), template, methods))
    # literal segments win over templated ones, as in OpenAPI path matching
    patterns.sort(key=lambda p: (p[1].count("{"), -len(p[1])))
    return patterns


def find_operation(method: str, url: str) -> tuple[str, str] | None:
    """Return (METHOD, path template) the spec declares for a URL, or None."""
    path = urlsplit(url).path or "/"
    for regex, template, methods in _path_patterns():
        if method.lower() in methods and regex.match(path):
            return method.upper(), template
    return None
