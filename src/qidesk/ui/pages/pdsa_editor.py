"""The PDSA cycle editor: Plan, Do, Study and Act as four sections; edits save as they are made."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, QEvent, QModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent, QPalette
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from qidesk.core.pdsa_rules import (
    ACT_DECISIONS,
    CYCLE_STATUSES,
    DECISION_LABELS,
    STATUS_LABELS,
    PlanTask,
    Question,
    RuleProblem,
    check_cycle,
    format_questions,
    format_tasks,
)
from qidesk.core.timeline_layout import DECISION_COLOURS
from qidesk.services.base import ServiceError
from qidesk.services.pdsa_service import ChangeIdeaInfo, CycleInfo, CycleRuleError
from qidesk.ui.widgets import CommitTextEdit, bold_label, button_row

PROBLEM_COLOUR = "#D55E00"
SECTIONS = (
    ("plan", "Plan", "What will we test, what do we predict, and how will we find out?"),
    ("do", "Do", "Carry out the test and write down what happened."),
    ("study", "Study", "Compare the results with the predictions."),
    ("act", "Act", "Adopt, adapt or abandon the change, and decide the next step."),
)
#: The letter badge colour of each section (Okabe-Ito).
SECTION_COLOURS = {"plan": "#0072B2", "do": "#56B4E9", "study": "#CC79A7", "act": "#009E73"}
DO_AS_PLANNED_CHOICES = (
    ("", "Not answered yet"),
    ("yes", "Yes"),
    ("partly", "Partly"),
    ("no", "No"),
)


class DateField(QWidget):
    """An optional date: a check box turns it on (starting from a sensible day) or off."""

    committed = Signal()

    def __init__(self, label: str, default: Callable[[], date], parent: QWidget | None = None):
        super().__init__(parent)
        self._default = default
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.check = QCheckBox()
        self.check.setAccessibleName(f"{label} is set")
        self.check.setToolTip(f"Tick to set the {label.lower()}")
        self.edit = QDateEdit()
        self.edit.setAccessibleName(label)
        self.edit.setCalendarPopup(True)
        self.edit.setDisplayFormat("d MMM yyyy")
        self.edit.setMinimumWidth(120)
        self.edit.setSpecialValueText("Not set")
        layout.addWidget(self.check)
        layout.addWidget(self.edit, 1)
        self.check.toggled.connect(self._toggled)
        self.edit.editingFinished.connect(self._edited)
        self.edit.calendarWidget().clicked.connect(lambda _d: self._edited())
        self._loading = False
        self._last: date | None = None
        self.set_value(None)

    def value(self) -> date | None:
        if not self.check.isChecked():
            return None
        q = self.edit.date()
        return date(q.year(), q.month(), q.day())

    def set_value(self, value: date | None) -> None:
        self._loading = True
        self.check.setChecked(value is not None)
        self.edit.setEnabled(value is not None)
        if value is not None:
            self.edit.setMinimumDate(QDate(1990, 1, 1))
            self.edit.setDate(QDate(value.year, value.month, value.day))
        else:
            self.edit.setMinimumDate(QDate(1990, 1, 1))
            self.edit.setDate(self.edit.minimumDate())
        self._last = value
        self._loading = False

    def _toggled(self, on: bool) -> None:
        if self._loading:
            return
        self.edit.setEnabled(on)
        if on:
            d = self._default()
            self._loading = True
            self.edit.setDate(QDate(d.year, d.month, d.day))
            self._loading = False
        self._edited()

    def _edited(self) -> None:
        if self._loading:
            return
        value = self.value()
        if value != self._last:
            self._last = value
            self.committed.emit()


class Section(QFrame):
    """One of the four PDSA steps: a coloured letter, a title, a hint, a form and a message."""

    def __init__(self, key: str, title: str, hint: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.key = key
        self.setObjectName(f"section_{key}")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName(f"{title} section")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(12, 8, 12, 12)
        outer.setSpacing(8)
        head = QHBoxLayout()
        head.setSpacing(8)
        badge = QLabel(title[0])
        badge.setAlignment(Qt.AlignmentFlag.AlignCenter)
        badge.setFixedSize(28, 28)
        badge.setStyleSheet(
            f"background: {SECTION_COLOURS[key]}; color: white; border-radius: 14px;"
            "font-weight: bold;"
        )
        head.addWidget(badge)
        name = bold_label(title, 3)
        head.addWidget(name)
        hint_label = QLabel(hint)
        hint_label.setEnabled(False)
        # Wraps in a narrow editor (it held the section as wide as its one line, behind a
        # sideways scroll bar that cut off the fields at 125 % display scaling).
        hint_label.setWordWrap(True)
        head.addWidget(hint_label, 1)
        outer.addLayout(head)
        self.form = QFormLayout()
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        # In a narrow editor (125 % display scaling) a field that does not fit beside its label
        # goes below it, rather than the whole editor scrolling sideways with its fields cut.
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.form.setHorizontalSpacing(12)
        self.form.setVerticalSpacing(8)
        outer.addLayout(self.form)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName(f"{title} problems")
        palette = self.message.palette()
        palette.setColor(QPalette.ColorRole.WindowText, QColor(PROBLEM_COLOUR))
        self.message.setPalette(palette)
        self.message.hide()
        outer.addWidget(self.message)

    def show_problems(self, problems: Sequence[RuleProblem]) -> None:
        text = "\n".join(f"⚠ {p.message}" for p in problems)
        self.message.setText(text)
        self.message.setVisible(bool(text))


class RowsTable(QTableWidget):
    """A small editable table of rows (questions, tasks): Delete on a row not being edited
    removes it, as the Remove button does (the window's Delete would delete the cycle)."""

    remove_row_requested = Signal()

    def event(self, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Delete
            and self.state() != QAbstractItemView.State.EditingState
        ):
            event.accept()
            return True
        return super().event(event)

    def _at_end(self, forward: bool) -> bool:
        """Whether the current cell is the last (``forward``) or the first cell."""
        current = self.currentIndex()
        if not current.isValid():
            return False  # Qt then starts at the first cell
        if forward:
            return (
                current.row() == self.rowCount() - 1 and current.column() == self.columnCount() - 1
            )
        return current.row() == 0 and current.column() == 0

    def moveCursor(
        self, cursorAction: QAbstractItemView.CursorAction, modifiers: Qt.KeyboardModifier
    ) -> QModelIndex:
        # Tab moves from cell to cell (question, then its prediction) and, from the last cell,
        # on to the next field, as Shift+Tab does backwards from the first: Qt wraps round to
        # the first cell, which kept a keyboard user in the table for ever (never reaching
        # Add question, Tasks or the Do, Study and Act sections).
        forward = cursorAction == QAbstractItemView.CursorAction.MoveNext
        if (
            forward or cursorAction == QAbstractItemView.CursorAction.MovePrevious
        ) and self._at_end(forward):
            return QModelIndex()
        return super().moveCursor(cursorAction, modifiers)

    def closeEditor(self, editor: QWidget, hint: QAbstractItemDelegate.EndEditHint) -> None:
        # Tab in the last cell being typed into: keep the text and go on to the next field.
        forward = hint == QAbstractItemDelegate.EndEditHint.EditNextItem
        leaving = (
            forward or hint == QAbstractItemDelegate.EndEditHint.EditPreviousItem
        ) and self._at_end(forward)
        super().closeEditor(editor, QAbstractItemDelegate.EndEditHint.NoHint if leaving else hint)
        if leaving:
            self.focusNextPrevChild(forward)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if (
            event.key() == Qt.Key.Key_Delete
            and self.state() != QAbstractItemView.State.EditingState
            and self.currentRow() >= 0
        ):
            self.remove_row_requested.emit()
            return
        super().keyPressEvent(event)


def _table(headers: Sequence[str], name: str) -> QTableWidget:
    table = RowsTable(0, len(headers))
    table.setAccessibleName(name)
    table.setHorizontalHeaderLabels(list(headers))
    table.verticalHeader().hide()
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setEditTriggers(
        QAbstractItemView.EditTrigger.DoubleClicked
        | QAbstractItemView.EditTrigger.EditKeyPressed
        | QAbstractItemView.EditTrigger.AnyKeyPressed
        | QAbstractItemView.EditTrigger.SelectedClicked
    )
    table.setMinimumHeight(96)
    table.setMaximumHeight(150)
    return table


class PdsaEditor(QWidget):
    """Edit one cycle. Every change is checked by the PDSA rules and saved at once when valid;
    a broken rule shows its message in its section and nothing is saved until it is fixed."""

    saved = Signal(object)  # CycleInfo
    #: Another cycle was opened while this one had edits that broke a rule (so were not
    #: saved): the text says which cycle and why.
    unsaved_dropped = Signal(str)
    cycle_created = Signal(object)  # CycleInfo (from "Next cycle")
    cycle_shown = Signal(object)  # CycleInfo or None: what the editor now shows
    cycle_deleted = Signal(str)

    def __init__(self, services: Any, context: Any = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.services = services
        self.context = context
        self.today = date.today()
        self.cycle: CycleInfo | None = None
        self._ideas: list[ChangeIdeaInfo] = []
        self._loading = False
        self.problems: list[RuleProblem] = []

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(8)
        header = QHBoxLayout()
        header.setSpacing(8)
        self.number_label = bold_label(size_delta=2)
        header.addWidget(self.number_label)
        self.title_edit = QLineEdit()
        self.title_edit.setAccessibleName("Cycle title")
        self.title_edit.setPlaceholderText("What is being tested")
        # Room for the title in a narrow window (125 % display scaling): the cycle list beside
        # gives way, and the title showed a dozen letters ("aflet: cycle 5").
        self.title_edit.setMinimumWidth(self.title_edit.fontMetrics().averageCharWidth() * 28)
        self.title_edit.editingFinished.connect(self.commit)
        header.addWidget(self.title_edit, 1)
        self.next_button = QPushButton("Next cycle")
        self.next_button.setToolTip(
            "Plan the following cycle of this change idea, pre-filled from this cycle's Act step"
        )
        self.next_button.clicked.connect(self.create_next_cycle)
        header.addWidget(self.next_button)
        self.delete_button = QPushButton("Delete")
        self.delete_button.setToolTip("Delete this cycle (it can be restored)")
        self.delete_button.clicked.connect(self.delete_cycle)
        header.addWidget(self.delete_button)
        outer.addLayout(header)

        idea_row = QHBoxLayout()
        idea_row.setSpacing(8)
        idea_row.addWidget(QLabel("Change idea"))
        self.idea_combo = QComboBox()
        self.idea_combo.setAccessibleName("Change idea")
        self.idea_combo.setMinimumContentsLength(24)
        self.idea_combo.activated.connect(lambda _i: self.commit())
        idea_row.addWidget(self.idea_combo, 1)
        self.status_note = QLabel()
        self.status_note.setAccessibleName("Save state")
        idea_row.addWidget(self.status_note)
        outer.addLayout(idea_row)

        self.sections = {key: Section(key, title, hint) for key, title, hint in SECTIONS}
        body = QWidget()
        body_layout = QVBoxLayout(body)
        body_layout.setContentsMargins(0, 0, 4, 0)
        body_layout.setSpacing(12)
        for section in self.sections.values():
            body_layout.addWidget(section)
        body_layout.addStretch(1)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setWidget(body)
        outer.addWidget(self.scroll, 1)
        self._build_plan()
        self._build_do()
        self._build_study()
        self._build_act()
        self._align_labels()
        self.setEnabled(False)

    def _align_labels(self) -> None:
        """Give the four sections one label column width, so their fields line up."""
        labels = []
        for section in self.sections.values():
            for row in range(section.form.rowCount()):
                item = section.form.itemAt(row, QFormLayout.ItemRole.LabelRole)
                if item is not None and item.widget() is not None:
                    labels.append(item.widget())
        width = max((label.sizeHint().width() for label in labels), default=0)
        for label in labels:
            label.setMinimumWidth(width)

    # --- building ---------------------------------------------------------------------------

    def _text(self, section: str, label: str, lines: int = 2) -> CommitTextEdit:
        edit = CommitTextEdit(lines=lines)
        edit.setAccessibleName(label)
        edit.committed.connect(self.commit)
        self.sections[section].form.addRow(label, edit)
        return edit

    def _dates(self, section: str, kind: str) -> tuple[DateField, DateField]:
        start = DateField(f"{kind} start", lambda: self.today)
        end = DateField(f"{kind} end", lambda: start.value() or self.today)
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addWidget(start, 1)
        layout.addWidget(QLabel("to"))
        layout.addWidget(end, 1)
        start.committed.connect(self.commit)
        end.committed.connect(self.commit)
        self.sections[section].form.addRow(f"{kind} dates", row)
        return start, end

    def _table_with_buttons(
        self, section: str, label: str, headers: Sequence[str], what: str
    ) -> QTableWidget:
        table = _table(headers, label)
        table.itemChanged.connect(lambda _item: self.commit())
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(table)
        add = QPushButton(f"Add {what}")
        add.clicked.connect(lambda: self._add_row(table))
        remove = QPushButton("Remove")
        remove.clicked.connect(lambda: self._remove_row(table))
        if isinstance(table, RowsTable):
            table.remove_row_requested.connect(lambda: self._remove_row(table))
        layout.addLayout(button_row([add, remove]))
        self.sections[section].form.addRow(label, box)
        return table

    def _build_plan(self) -> None:
        self.objective_edit = self._text("plan", "Objective")
        self.questions_table = self._table_with_buttons(
            "plan", "Questions", ("Question", "Prediction"), "question"
        )
        self.tasks_table = self._table_with_buttons(
            "plan", "Tasks", ("What", "Who", "When", "Where"), "task"
        )
        self.data_plan_edit = self._text("plan", "Data collection")
        self.planned_start, self.planned_end = self._dates("plan", "Planned")

    def _build_do(self) -> None:
        self.actual_start, self.actual_end = self._dates("do", "Actual")
        self.as_planned_combo = QComboBox()
        self.as_planned_combo.setAccessibleName("Carried out as planned?")
        for value, label in DO_AS_PLANNED_CHOICES:
            self.as_planned_combo.addItem(label, value)
        self.as_planned_combo.activated.connect(lambda _i: self.commit())
        self.sections["do"].form.addRow("Carried out as planned?", self.as_planned_combo)
        self.observations_edit = self._text("do", "Not as planned / observed", 3)

    def _build_study(self) -> None:
        self.results_edit = self._text("study", "Results vs predictions", 3)
        self.learning_edit = self._text("study", "What we learned", 3)

    def _build_act(self) -> None:
        self.decision_combo = QComboBox()
        self.decision_combo.setAccessibleName("Act decision")
        self.decision_combo.addItem("Not decided yet", None)
        for decision in ACT_DECISIONS:
            self.decision_combo.addItem(DECISION_LABELS[decision], decision)
            self.decision_combo.setItemData(
                self.decision_combo.count() - 1,
                QColor(DECISION_COLOURS[decision]),
                Qt.ItemDataRole.DecorationRole,
            )
        self.decision_combo.activated.connect(lambda _i: self.commit())
        self.sections["act"].form.addRow("Decision", self.decision_combo)
        self.next_step_edit = self._text("act", "Next step", 2)
        self.status_combo = QComboBox()
        self.status_combo.setAccessibleName("Cycle status")
        for status in CYCLE_STATUSES:
            self.status_combo.addItem(STATUS_LABELS[status], status)
        self.status_combo.activated.connect(lambda _i: self.commit())
        self.sections["act"].form.addRow("Status", self.status_combo)

    def _add_row(self, table: QTableWidget) -> None:
        table.blockSignals(True)
        table.insertRow(table.rowCount())
        for column in range(table.columnCount()):
            table.setItem(table.rowCount() - 1, column, QTableWidgetItem(""))
        table.blockSignals(False)
        table.setCurrentCell(table.rowCount() - 1, 0)
        table.editItem(table.item(table.rowCount() - 1, 0))

    def _remove_row(self, table: QTableWidget) -> None:
        row = table.currentRow()
        if row >= 0:
            table.removeRow(row)
            self.commit()

    # --- loading ----------------------------------------------------------------------------

    def load(self, cycle: CycleInfo | None, ideas: Sequence[ChangeIdeaInfo] = ()) -> None:
        """Show ``cycle`` (None: nothing selected)."""
        if (
            self.cycle is not None
            and self.problems
            and (cycle is None or cycle.uuid != self.cycle.uuid)
        ):
            reasons = " ".join(p.message for p in self.problems)
            self.unsaved_dropped.emit(
                f"Your last changes to cycle {self.cycle.cycle_number} “{self.cycle.title}” were "
                f"not saved: {reasons} It keeps its last saved values."
            )
            self.problems = []
        self._loading = True
        try:
            self.cycle = cycle
            self._ideas = list(ideas)
            self.setEnabled(cycle is not None)
            self.idea_combo.clear()
            self.idea_combo.addItem("No change idea", None)
            for idea in self._ideas:
                self.idea_combo.addItem(idea.title, idea.uuid)
            if cycle is None:
                self.number_label.setText("No cycle selected")
                self.title_edit.clear()
                self._set_status("")
                return
            self._fill(cycle)
            self._show_problems([])
            self._set_status("")
        finally:
            self._loading = False
            self.cycle_shown.emit(self.cycle)

    def refresh_ideas(self, cycle: CycleInfo, ideas: Sequence[ChangeIdeaInfo]) -> None:
        """The team's change ideas changed (one renamed, added, deleted) while ``cycle`` stays
        open: refresh the Change idea choices and the stored cycle, and leave every field as
        it is (an edit that breaks a rule stays on view, unsaved)."""
        self._loading = True
        try:
            chosen = self.idea_combo.currentData()
            self.cycle = cycle
            self._ideas = list(ideas)
            self.idea_combo.clear()
            self.idea_combo.addItem("No change idea", None)
            for idea in self._ideas:
                self.idea_combo.addItem(idea.title, idea.uuid)
            self.idea_combo.setCurrentIndex(max(0, self.idea_combo.findData(chosen)))
            idea_title = f" of “{cycle.change_idea_title}”" if cycle.change_idea_title else ""
            self.number_label.setToolTip(f"Cycle {cycle.cycle_number}{idea_title}")
        finally:
            self._loading = False

    def _fill(self, c: CycleInfo) -> None:
        idea = f" of “{c.change_idea_title}”" if c.change_idea_title else ""
        self.number_label.setText(f"Cycle {c.cycle_number}")
        self.number_label.setToolTip(f"Cycle {c.cycle_number}{idea}")
        self.title_edit.setText(c.title)
        self.idea_combo.setCurrentIndex(max(0, self.idea_combo.findData(c.change_idea_uuid)))
        self.objective_edit.setText(c.objective)
        self._fill_table(self.questions_table, [(q.question, q.prediction) for q in c.questions])
        self._fill_table(self.tasks_table, [(t.what, t.who, t.when, t.where) for t in c.plan_tasks])
        self.data_plan_edit.setText(c.data_collection_plan)
        self.planned_start.set_value(c.planned_start)
        self.planned_end.set_value(c.planned_end)
        self.actual_start.set_value(c.actual_start)
        self.actual_end.set_value(c.actual_end)
        self.as_planned_combo.setCurrentIndex(
            max(0, self.as_planned_combo.findData(c.do_as_planned))
        )
        self.observations_edit.setText(c.do_observations)
        self.results_edit.setText(c.study_results)
        self.learning_edit.setText(c.study_learning)
        self.decision_combo.setCurrentIndex(max(0, self.decision_combo.findData(c.act_decision)))
        self.next_step_edit.setText(c.act_next_step)
        self.status_combo.setCurrentIndex(max(0, self.status_combo.findData(c.status)))

    @staticmethod
    def _fill_table(table: QTableWidget, rows: Sequence[Sequence[str]]) -> None:
        table.blockSignals(True)
        table.setRowCount(0)
        for values in rows:
            r = table.rowCount()
            table.insertRow(r)
            for column, value in enumerate(values):
                table.setItem(r, column, QTableWidgetItem(value))
        table.blockSignals(False)

    @staticmethod
    def _table_rows(table: QTableWidget) -> list[list[str]]:
        rows = []
        for r in range(table.rowCount()):
            rows.append(
                [
                    (table.item(r, c).text() if table.item(r, c) is not None else "")
                    for c in range(table.columnCount())
                ]
            )
        return rows

    # --- saving -----------------------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        """What the editor shows, keyed by model column (list fields as their column text)."""
        questions = [Question(q, p) for q, p in self._table_rows(self.questions_table)]
        tasks = [PlanTask(*row) for row in self._table_rows(self.tasks_table)]
        return {
            "change_idea_uuid": self.idea_combo.currentData(),
            "title": self.title_edit.text().strip(),
            "objective": self.objective_edit.text(),
            "questions": format_questions(questions),
            "plan_tasks": format_tasks(tasks),
            "data_collection_plan": self.data_plan_edit.text(),
            "planned_start": self.planned_start.value(),
            "planned_end": self.planned_end.value(),
            "actual_start": self.actual_start.value(),
            "actual_end": self.actual_end.value(),
            "do_as_planned": self.as_planned_combo.currentData() or "",
            "do_observations": self.observations_edit.text(),
            "study_results": self.results_edit.text(),
            "study_learning": self.learning_edit.text(),
            "act_decision": self.decision_combo.currentData(),
            "act_next_step": self.next_step_edit.text(),
            "status": self.status_combo.currentData(),
        }

    def commit(self) -> bool:
        """Check the shown values and save what changed; False when a rule is broken."""
        if self._loading or self.cycle is None:
            return False
        values = self.values()
        problems = check_cycle(values)
        self._show_problems(problems)
        if problems:
            sections = sorted({p.section for p in problems}, key=list(self.sections).index)
            names = " and ".join(s.capitalize() for s in sections)
            self._set_status(f"Not saved: see the message in {names}", problem=True)
            return False
        stored = self.cycle.values()
        changes = {k: v for k, v in values.items() if v != stored.get(k)}
        if not changes:
            return True
        try:
            info = self.services.pdsa.update_cycle(self.cycle.uuid, changes)
        except CycleRuleError as exc:
            self._show_problems(exc.problems)
            self._set_status("Not saved", problem=True)
            return False
        except ServiceError as exc:
            self._set_status(f"Not saved: {exc}", problem=True)
            return False
        renumbered = info.cycle_number != self.cycle.cycle_number
        self.cycle = info
        if renumbered:
            self._loading = True
            try:
                self._fill(info)
            finally:
                self._loading = False
        self._set_status("Saved")
        self.saved.emit(info)
        if self.context is not None:
            self.context.notify_saved()
        return True

    def create_next_cycle(self) -> CycleInfo | None:
        if self.cycle is None or (not self.commit() and self.problems):
            return None
        try:
            info = self.services.pdsa.next_cycle(self.cycle.uuid, self.today)
        except ServiceError as exc:
            self._set_status(str(exc), problem=True)
            self.sections["act"].show_problems([RuleProblem("act_decision", str(exc))])
            return None
        self.cycle_created.emit(info)
        if self.context is not None:
            self.context.notify_saved()
        return info

    def delete_cycle(self) -> None:
        if self.cycle is None:
            return
        cycle = self.cycle
        if self.context is not None and not self.context.confirm_delete(
            self, f"cycle {cycle.cycle_number} “{cycle.title}”"
        ):
            return
        try:
            self.services.pdsa.delete_cycle(cycle.uuid)
        except ServiceError as exc:
            self._set_status(str(exc), problem=True)
            return
        self.load(None, self._ideas)
        self.cycle_deleted.emit(cycle.uuid)
        if self.context is not None:  # the status bar offers Undo
            self.context.notify_deleted("PdsaCycle", cycle.uuid, cycle.title)

    def _show_problems(self, problems: Sequence[RuleProblem]) -> None:
        self.problems = list(problems)
        for key, section in self.sections.items():
            section.show_problems([p for p in problems if p.section == key])

    def problem_text(self, section: str) -> str:
        """The message shown in a section (empty when it has none)."""
        label = self.sections[section].message
        return label.text() if not label.isHidden() else ""

    def _set_status(self, text: str, *, problem: bool = False) -> None:
        palette = self.status_note.palette()
        colour = (
            QColor(PROBLEM_COLOUR) if problem else self.palette().color(QPalette.ColorRole.Text)
        )
        palette.setColor(QPalette.ColorRole.WindowText, colour)
        self.status_note.setPalette(palette)
        self.status_note.setText(text)
        self.status_note.setWordWrap(True)
