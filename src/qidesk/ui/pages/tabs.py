"""Tabs other features add to the cohort and team pages, created only when first shown."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from qidesk.ui.context import UiContext

#: Makes a tab's widget: a callable taking the UiContext, or "package.module:ClassName" (imported
#: only when the tab is first shown, so start-up does not pay for it).
TabFactory = Callable[[UiContext], QWidget] | str


def services_and_context(owner: Any) -> tuple[Any, Any]:
    """Tabs are made with a UiContext (the team page) or with the Services (tests, tools)."""
    if hasattr(owner, "notify_saved"):
        return owner.services, owner
    return owner, None


def make_tab(factory: TabFactory, context: UiContext) -> QWidget:
    if isinstance(factory, str):
        module_name, _, attr = factory.partition(":")
        factory = getattr(importlib.import_module(module_name), attr)
    assert callable(factory)
    return factory(context)


class LazyTabs(QTabWidget):
    """A tab widget whose extra tabs are built on first show and told which record to show.

    ``show_method`` is the name of the method each extra tab has (``show_team`` or
    ``show_cohort``); it is called with the record's uuid whenever the tab becomes visible
    and the record changed since it last showed.
    """

    def __init__(
        self,
        context: UiContext,
        show_method: str,
        tabs: list[tuple[str, TabFactory]],
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.context = context
        self._show_method = show_method
        self._record: str | None = None
        self._first_extra = 0
        self._lazy: dict[int, tuple[QWidget, TabFactory]] = {}
        self._built: dict[int, QWidget] = {}
        self._shown_record: dict[int, str | None] = {}
        self._pending = tabs
        self.setDocumentMode(True)
        self.currentChanged.connect(self._current_changed)
        saved = getattr(context, "saved", None)
        if saved is not None:
            saved.connect(self._saved_somewhere)

    def add_extra_tabs(self) -> None:
        """Add the placeholder of each extra tab (call after the fixed tabs were added)."""
        self._first_extra = self.count()
        for title, factory in self._pending:
            holder = QWidget()
            layout = QVBoxLayout(holder)
            layout.setContentsMargins(0, 0, 0, 0)
            index = self.addTab(holder, title)
            self._lazy[index] = (holder, factory)

    def set_record(self, uuid: str) -> None:
        self._record = uuid
        self._current_changed(self.currentIndex())

    def forget_shown(self) -> None:
        """Every extra tab re-reads its record when next shown."""
        self._shown_record.clear()

    def _saved_somewhere(self) -> None:
        """Data changed (on this page or another): the tabs not on view re-read their record
        when next shown, so a cohort's Progress tab shows the score just saved on a team page.
        The tab on view made the change (or shows it already) and keeps the user's place."""
        on_view = self.currentIndex() if self.isVisible() else None
        self._shown_record = {i: r for i, r in self._shown_record.items() if i == on_view}

    def extra_widget(self, title: str) -> QWidget | None:
        """The built widget of the extra tab called ``title`` (building it if needed)."""
        for index in self._lazy:
            if self.tabText(index) == title:
                return self._build(index)
        return None

    def _build(self, index: int) -> QWidget:
        if index not in self._built:
            holder, factory = self._lazy[index]
            widget = make_tab(factory, self.context)
            layout = holder.layout()
            assert layout is not None
            layout.addWidget(widget)
            self._built[index] = widget
        return self._built[index]

    def _current_changed(self, index: int) -> None:
        if index not in self._lazy or self._record is None:
            return
        widget = self._build(index)
        if self._shown_record.get(index) != self._record:
            self._shown_record[index] = self._record
            getattr(widget, self._show_method)(self._record)
