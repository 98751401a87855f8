"""Build the plugin manager for one application: built-ins, bundled plugins, entry points.

Two levels decide what a plugin does:

1. **Available** (installation, administrator): ``[plugins] enabled`` / ``disabled`` in the
   settings file and the ``FORESTCHIEF_PLUGINS`` allow-list decide which plugins load at all.
   A plugin that is not loaded contributes nothing: no routes, no menu, no widgets.
2. **Serving a department** (department leader): of the available plugins, each department
   switches on those that serve it (:class:`core.departments.models.DepartmentPlugin`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from types import ModuleType
from typing import Any

import pluggy

from core import hookspecs
from core.config import Settings

ENTRY_POINT_GROUP = "forestchief.plugins"

#: Always loaded; the core's own behaviour through its own hooks (STYLE rule 2).
BUILTIN_PLUGINS = {"core": "core.builtin.plugin"}

#: Department plugins shipped in this repository.
BUNDLED_PLUGINS = {
    "forestry": "plugins.forestry.plugin",
    "police": "plugins.police.plugin",
    "environment": "plugins.environment.plugin",
    "emergency": "plugins.emergency.plugin",
}


class PluginError(Exception):
    """A plugin could not be loaded or does not match the hook specifications."""


@dataclass
class PluginInfo:
    """What the admin page and ``forestchief plugins list`` show for one plugin."""

    name: str
    module: str
    source: str  # "builtin", "bundled" or the distribution providing the entry point
    enabled: bool
    reason: str = ""
    hooks: list[str] = field(default_factory=list)


def available_plugins() -> dict[str, tuple[str, str]]:
    """Every plugin this installation could load: ``name -> (module, source)``."""
    found = {name: (module, "bundled") for name, module in BUNDLED_PLUGINS.items()}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name in BUILTIN_PLUGINS:
            continue
        dist = ep.dist.name if ep.dist is not None else "entry point"
        found.setdefault(ep.name, (ep.value.split(":")[0], dist))
    return found


def decide(settings: Settings, names: list[str]) -> dict[str, tuple[bool, str]]:
    """Whether each available plugin loads, and why not when it does not."""
    plugins = settings["plugins"]
    enabled = plugins["enabled"]
    disabled = set(plugins["disabled"])
    allow = plugins.get("allow")
    decisions = {}
    for name in names:
        if name in disabled:
            decisions[name] = (False, "disabled in settings")
        elif "*" not in enabled and name not in enabled:
            decisions[name] = (False, "not in plugins.enabled")
        elif allow is not None and name not in allow:
            decisions[name] = (False, "not in FORESTCHIEF_PLUGINS")
        else:
            decisions[name] = (True, "")
    return decisions


def _import(name: str, module: str) -> ModuleType:
    try:
        return importlib.import_module(module)
    except Exception as exc:
        raise PluginError(
            f"plugin {name!r} failed to import ({module}): {type(exc).__name__}: {exc}"
        ) from exc


def make_plugin_manager(settings: Settings) -> pluggy.PluginManager:
    """A fresh plugin manager for one app (no global state).

    Raises :class:`PluginError` naming the plugin when one fails to import, when a hook
    implementation does not match its spec, or when ``plugins.enabled`` names a plugin that
    does not exist.
    """
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    available = available_plugins()
    named = settings["plugins"]["enabled"] + settings["plugins"]["disabled"]
    unknown = [n for n in named if n != "*" and n not in available]
    unknown += [n for n in settings["plugins"].get("allow") or [] if n not in available]
    if unknown:
        raise PluginError(
            f"{settings.source}: plugins (or FORESTCHIEF_PLUGINS): unknown plugin(s) "
            f"{', '.join(sorted(set(unknown)))}; "
            f"available: {', '.join(sorted(available))}"
        )
    to_load = [(name, module) for name, module in BUILTIN_PLUGINS.items()]
    decisions = decide(settings, list(available))
    to_load += [(name, available[name][0]) for name, (ok, _) in decisions.items() if ok]
    for name, module in to_load:
        plugin = _import(name, module)
        try:
            pm.register(plugin, name=name)
        except pluggy.PluginValidationError as exc:
            raise PluginError(f"plugin {name!r} ({module}) is invalid: {exc}") from exc
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise PluginError(f"plugin {pm.get_name(exc.plugin)!r} is invalid: {exc}") from exc
    pm.forestchief_decisions = decisions  # type: ignore[attr-defined]
    return pm


def plugin_infos(pm: pluggy.PluginManager) -> list[PluginInfo]:
    """Every available plugin with its state and the hooks it implements."""
    available = available_plugins()
    decisions: dict[str, tuple[bool, str]] = getattr(pm, "forestchief_decisions", {})
    infos = []
    for name, module in BUILTIN_PLUGINS.items():
        infos.append(PluginInfo(name, module, "builtin", True, "", implemented_hooks(pm, name)))
    for name, (module, source) in sorted(available.items()):
        enabled, reason = decisions.get(name, (False, "not loaded"))
        infos.append(PluginInfo(name, module, source, enabled, reason,
                                implemented_hooks(pm, name) if enabled else []))
    return infos


def implemented_hooks(pm: pluggy.PluginManager, name: str) -> list[str]:
    """Names of the hooks plugin ``name`` implements."""
    plugin = pm.get_plugin(name)
    if plugin is None:
        return []
    return sorted(caller.name for caller in pm.get_hookcallers(plugin) or [])


def loaded_department_plugins(pm: pluggy.PluginManager) -> list[str]:
    """Names of the loaded plugins that are not built into the core."""
    return [name for name, _ in pm.list_name_plugin() if name not in BUILTIN_PLUGINS]


def call_each(pm: pluggy.PluginManager, hook_name: str, **kwargs: Any) -> list[tuple[str, Any]]:
    """Call a collecting hook and keep who answered: ``[(plugin_name, answer), ...]``.

    The core needs attribution to enforce per-department enabling and name ownership.
    Implementations are called in pluggy's order with just the arguments they declare.
    """
    caller = getattr(pm.hook, hook_name)
    results: list[tuple[str, Any]] = []
    for impl in reversed(caller.get_hookimpls()):
        if impl.hookwrapper or impl.wrapper:
            continue  # wrappers wrap answers; they do not give one
        func: Callable[..., Any] = impl.function
        answer = func(**{arg: kwargs[arg] for arg in impl.argnames})
        if answer is not None:
            results.append((impl.plugin_name, answer))
    return results


def hook_names() -> list[str]:
    """Every hook the core specifies, in definition order."""
    return [name for name, obj in vars(hookspecs).items()
            if callable(obj) and hasattr(obj, f"{hookspecs.PROJECT}_spec")]
