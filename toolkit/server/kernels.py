"""The staff dashboards' kernels: one kept warm for each dashboard a facilitator opens in
front of people, so the page is ready within a second or two rather than after a kernel
start and the notebook's run (8.6 s measured).

Voilà keeps such a pool ("preheated kernels") only in its standalone app; ``toolkit serve``
runs Voilà as a Jupyter Server extension, where the same pool works once the server's
kernel manager is Voilà's pooling one and the pool is told what Voilà's extension knows
(its configuration and template paths). ``StaffKernelManager`` is that: the pool is filled
once the server is ready (``fill``), for the notebooks in ``PRELOADED`` only, one kernel
each, so the laptop holds no more than the staff pages need. A kernel taken from the pool
is replaced a second later; the culler never stops a waiting one.

A warm kernel has run its notebook before any page asked for it, so it cannot read the
page's address then: the console learns it from the page itself (``AddressParam``).
"""

from __future__ import annotations

import logging
import os

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado import web
from traitlets import TraitError
from voila.configuration import VoilaConfiguration
from voila.notebook_renderer import NotebookRenderer
from voila.paths import collect_template_paths
from voila.utils import get_page_config
from voila.voila_kernel_manager import voila_kernel_manager_factory

FACILITATOR_NOTEBOOK = "facilitator.ipynb"
TRENDS_NOTEBOOK = "trends.ipynb"
# One warm kernel for each page opened in front of people; none for the others.
PRELOADED = (FACILITATOR_NOTEBOOK, TRENDS_NOTEBOOK)

_Pooling = voila_kernel_manager_factory(AsyncMappingKernelManager, preheat_kernel=True, default_pool_size=0)


class StaffKernelManager(_Pooling):
    """Jupyter's kernel manager with Voilà's pool of warm kernels, in a Jupyter Server."""

    def __init__(self, **kwargs):
        # Voilà's own __init__ fills the pool at once from its app's attributes, which a
        # Jupyter Server does not have: set up an empty pool here and fill it in ``fill``.
        AsyncMappingKernelManager.__init__(self, **kwargs)
        self._wait_at_startup = True
        self.notebook_data = {}
        self._pools = {}
        self.root_dir = self.parent.root_dir
        self.notebook_path = None
        self._voila = None

    def fill(self, serverapp) -> None:
        """Start the warm kernels (once the server runs, so they inherit its environment:
        the store's URL and the join address ``toolkit serve`` exported)."""
        configuration = VoilaConfiguration(parent=serverapp)
        self._voila = {
            "configuration": configuration,
            "template_paths": collect_template_paths(["voila", "nbconvert"], configuration.template),
            "serverapp": serverapp,
        }
        self.kernel_pools_config = {"default": {"pool_size": 0},
                                    **{name: {"pool_size": 1} for name in PRELOADED}}
        for name in PRELOADED:
            if os.path.isfile(os.path.join(self.root_dir, name)):
                self.fill_if_needed(delay=0, notebook_name=name)

    async def shutdown_all(self, now: bool = False) -> None:
        """Stop every kernel. A warm one still starting or running its notebook (a server
        stopped as it starts) holds nothing of anyone's: it is stopped at once, its run
        dropped, so the log gets no traceback for a notebook nobody was waiting for (Voilà's
        own version asks it to finish, then kills it mid-cell and reports that as an error)."""
        pools, self._pools = self._pools, {}
        # nbclient reports a run stopped this way as "Kernel died", and Voilà logs that with a
        # traceback; the server is stopping, so it is no error.
        self.log.addFilter(_StoppedRun())
        for value in self.notebook_data.values():
            value["kernel_ids"] = set()
        for pool in pools.values():
            for item in tuple(pool):
                try:
                    content = await item
                except Exception:  # its kernel never started: nothing to stop
                    continue
                render = content.get("task")
                if render is not None and not render.done():
                    render.cancel()
                    try:
                        await AsyncMappingKernelManager.shutdown_kernel(self, content["kernel_id"], now=True)
                    except Exception:  # already gone
                        pass
        await AsyncMappingKernelManager.shutdown_all(self, now=now)

    def list_kernels(self):
        # Warm kernels start as the server comes up. Jupyter's listing fails (500) on a kernel
        # it has registered but not yet stamped with its first activity; leave that one out,
        # as Jupyter leaves out one that has just stopped.
        models = []
        for kernel_id in self.pinned_superclass.list_kernel_ids(self):
            try:
                models.append(self.kernel_model(kernel_id))
            except (web.HTTPError, KeyError, AttributeError, TraitError):
                pass
        return models

    # Voilà's pool reads these from its app; here they come from the server.
    @property
    def _server(self):
        return self._voila["serverapp"]

    def fill_if_needed(self, delay=None, notebook_name=None, extra_kernel_env_variables=None, **kwargs):
        if self._voila is None or notebook_name not in PRELOADED:
            return None
        # Voilà's filler reads base_url, server_url and port from its parent (the server);
        # a Jupyter Server has no server_url: it is the base URL.
        if not getattr(self.parent, "server_url", None):
            self.parent.server_url = self._server.base_url
        return super().fill_if_needed(delay=delay, notebook_name=notebook_name,
                                      extra_kernel_env_variables=extra_kernel_env_variables or {}, **kwargs)

    def _notebook_renderer_factory(self, notebook_path=None) -> NotebookRenderer:
        server = self._server
        configuration = self._voila["configuration"]
        settings = server.web_app.settings
        page_config = get_page_config(base_url=server.base_url, settings=settings, log=server.log,
                                      voila_configuration=configuration)
        return NotebookRenderer(
            voila_configuration=configuration, traitlet_config=server.config, notebook_path=notebook_path,
            template_paths=self._voila["template_paths"], config_manager=server.config_manager,
            contents_manager=server.contents_manager, base_url=server.base_url,
            kernel_spec_manager=server.kernel_spec_manager, page_config=page_config,
            mathjax_config=settings.get("mathjax_config"), mathjax_url=settings.get("mathjax_url"))


class _StoppedRun(logging.Filter):
    """Drops Voilà's report of a warm kernel's notebook run stopped with the server."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = str(record.msg)
        return not (message.startswith("Error at server while executing cell") or
                    message.startswith("Kernel died while waiting for execute reply"))
