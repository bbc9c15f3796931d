"""A team's Overview tab: every field of the team, saved as you go, and its members."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QResizeEvent, QWheelEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QLineEdit,
    QMenu,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from qidesk.services.member_service import MemberInfo
from qidesk.services.reference_service import VocabularyItem
from qidesk.services.team_service import TeamDetail
from qidesk.ui.context import UiContext
from qidesk.ui.dialogs.member_dialog import MemberDialog
from qidesk.ui.table_model import RowsTableModel
from qidesk.ui.widgets import (
    CommitTextEdit,
    EmptyState,
    bold_label,
    button_row,
    format_date,
    muted_label,
    read_only_table,
    selected_row,
)

#: The width the team's fields need beside the alignment ticks before these move below them.
PROJECT_MIN_WIDTH = 380


#: Fields whose change alters the navigator (name, coach, status are shown there).
class FormComboBox(QComboBox):
    """A choice in the scrolled Overview form that the mouse wheel changes only once it has
    the focus: scrolling the form past it scrolls the form (the wheel used to change the
    coach or status, saved at once, or ask to move the team to another cohort)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # the wheel does not give it focus

    def wheelEvent(self, event: QWheelEvent) -> None:
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()  # to the scroll area


STRUCTURE_FIELDS = frozenset({"name", "service", "site", "coach_uuid", "status", "cohort_uuid"})


class MembersTableModel(RowsTableModel[MemberInfo]):
    NAME, ROLE, EMAIL, ACTIVE = range(4)
    HEADERS = ("Name", "Role / discipline", "Email", "Active")

    def display(self, row: MemberInfo, column: int) -> str:
        if column == self.NAME:
            return row.name
        if column == self.ROLE:
            return row.role
        if column == self.EMAIL:
            return row.email
        return "Yes" if row.active else "No"

    def foreground(self, row: MemberInfo, column: int) -> Any:
        return None if row.active else QColor("#888888")


class CodeChecks(QWidget):
    """Checkboxes for a vocabulary; ``changed`` is called with the ticked codes."""

    def __init__(
        self,
        items: tuple[VocabularyItem, ...],
        columns: int,
        changed: Callable[[list[str]], None],
        numbered: bool = False,
    ):
        super().__init__()
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setHorizontalSpacing(16)
        layout.setVerticalSpacing(4)
        self.boxes: dict[str, QCheckBox] = {}
        rows = (len(items) + columns - 1) // columns
        for i, item in enumerate(items):
            text = f"{item.code}. {item.title}" if numbered else item.title
            box = QCheckBox(text)
            box.setToolTip(item.description or item.title)
            box.toggled.connect(lambda _on: changed(self.codes()))
            self.boxes[item.code] = box
            layout.addWidget(box, i % rows, i // rows)

    def codes(self) -> list[str]:
        return [code for code, box in self.boxes.items() if box.isChecked()]

    def set_codes(self, codes: tuple[str, ...]) -> None:
        for code, box in self.boxes.items():
            box.blockSignals(True)
            box.setChecked(code in codes)
            box.blockSignals(False)


class TeamOverviewTab(QWidget):
    """Edits save when a field loses focus or on Enter; ticks and choices save at once."""

    def __init__(self, context: UiContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.detail: TeamDetail | None = None
        vocab = context.services.reference.vocabularies()

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        outer.addWidget(scroll)
        body = QWidget()
        scroll.setWidget(body)
        layout = QGridLayout(body)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.setHorizontalSpacing(16)
        layout.setVerticalSpacing(12)

        # Left: the team and its project.
        project = QGroupBox("Team and project")
        form = QFormLayout(project)
        form.setSpacing(8)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.text_edits: dict[str, QLineEdit | CommitTextEdit] = {}

        def line(field: str, label: str, placeholder: str = "") -> QLineEdit:
            edit = QLineEdit()
            edit.setPlaceholderText(placeholder)
            edit.editingFinished.connect(lambda: self._save(field, edit.text()))
            self.text_edits[field] = edit
            form.addRow(label, edit)
            return edit

        self.name_edit = line("name", "&Team name")
        # A team that defers to a later cohort, or was entered under a duplicate cohort, moves
        # here; everything recorded for it goes with it.
        self.cohort_combo = FormComboBox()
        self.cohort_combo.setToolTip("The cohort this team belongs to")
        self.cohort_combo.activated.connect(lambda _i: self._move_to_cohort())
        form.addRow("C&ohort", self.cohort_combo)
        line("service", "&Service", "For example Emergency Department")
        line("directorate", "&Directorate")
        line("site", "S&ite", "Hospital or community base")
        line("project_title", "&Project title")
        self.aim_edit = CommitTextEdit(lines=3)
        self.aim_edit.setPlaceholderText("By when, how much, for whom: the team's SMART aim")
        self.aim_edit.committed.connect(lambda: self._save("aim_statement", self.aim_edit.text()))
        self.text_edits["aim_statement"] = self.aim_edit
        form.addRow("&Aim statement", self.aim_edit)
        self.coach_combo = FormComboBox()
        self.buddy_combo = FormComboBox()
        self.coach_combo.activated.connect(
            lambda _i: self._save("coach_uuid", self.coach_combo.currentData())
        )
        self.buddy_combo.activated.connect(
            lambda _i: self._save("buddy_coach_uuid", self.buddy_combo.currentData())
        )
        form.addRow("&Coach", self.coach_combo)
        form.addRow("&Buddy coach", self.buddy_combo)
        self.status_combo = FormComboBox()
        for choice in vocab.team_statuses:
            self.status_combo.addItem(choice.label, choice.code)
        self.status_combo.activated.connect(
            lambda _i: self._save("status", self.status_combo.currentData())
        )
        form.addRow("Stat&us", self.status_combo)
        line("partner_agencies", "Pa&rtner agencies", "Organisations beyond the health board")
        layout.addWidget(project, 0, 0)

        # Right: alignment with the strategy.
        alignment = QGroupBox("Alignment")
        align_layout = QVBoxLayout(alignment)
        align_layout.setSpacing(8)
        self.focus_checks = CodeChecks(
            vocab.focus_areas, 1, lambda c: self._save("focus_areas", c), numbered=True
        )
        self.objective_checks = CodeChecks(
            vocab.strategic_objectives, 2, lambda c: self._save("strategic_objectives", c)
        )
        self.domain_checks = CodeChecks(
            vocab.quality_domains, 3, lambda c: self._save("quality_domains", c)
        )
        for title, widget in (
            ("Focus areas", self.focus_checks),
            ("Strategic objectives", self.objective_checks),
            ("Quality domains", self.domain_checks),
        ):
            align_layout.addWidget(bold_label(title))
            align_layout.addWidget(widget)
        align_layout.addStretch(1)
        layout.addWidget(alignment, 0, 1)
        layout.setColumnStretch(0, 1)
        layout.setColumnStretch(1, 1)

        # Below: the members.
        members = QGroupBox("Members")
        members_layout = QVBoxLayout(members)
        members_layout.setSpacing(8)
        self.add_member_button = QPushButton("Add member…")
        self.add_member_button.setToolTip("Add a member (Ctrl+N)")
        self.edit_member_button = QPushButton("Edit…")
        self.remove_member_button = QPushButton("Remove")
        self.member_history_button = QPushButton("History…")
        self.member_history_button.setToolTip("Earlier versions of the selected member")
        self.member_history_button.clicked.connect(self.member_history)
        self.add_member_button.clicked.connect(self.add_member)
        self.edit_member_button.clicked.connect(self.edit_member)
        self.remove_member_button.clicked.connect(self.remove_member)
        self.member_count = muted_label(self)
        members_layout.addLayout(
            button_row(
                [self.member_count],
                [
                    self.add_member_button,
                    self.edit_member_button,
                    self.member_history_button,
                    self.remove_member_button,
                ],
            )
        )
        self.members_model = MembersTableModel(self)
        self.members_table = read_only_table(
            self.members_model,
            "Team members",
            stretch=(MembersTableModel.NAME, MembersTableModel.ROLE, MembersTableModel.EMAIL),
            fit=(MembersTableModel.ACTIVE,),
        )
        self.members_table.doubleClicked.connect(lambda _index: self.edit_member())
        self.members_table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.members_table.customContextMenuRequested.connect(self._member_menu)
        self.members_table.setMinimumHeight(220)
        self.members_empty = EmptyState("No members yet. Add the team's members (Ctrl+N).")
        members_layout.addWidget(self.members_table)
        members_layout.addWidget(self.members_empty)
        self.members_table.selectionModel().selectionChanged.connect(self._update_buttons)
        self._grid, self._project, self._alignment, self._members = (
            layout,
            project,
            alignment,
            members,
        )
        self._stacked: bool | None = None
        self._arrange(stacked=False)
        self._update_buttons()

    # layout ----------------------------------------------------------------------------------
    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        # Side by side the team's fields need room beside the alignment ticks (whose labels
        # do not wrap); in a narrow window (1024 px) they squeezed to a few letters, so the
        # alignment goes below them instead.
        needed = self._alignment.sizeHint().width() + PROJECT_MIN_WIDTH + 40
        self._arrange(stacked=event.size().width() < needed)

    def _arrange(self, *, stacked: bool) -> None:
        if stacked == self._stacked:
            return
        self._stacked = stacked
        grid = self._grid
        for widget in (self._project, self._alignment, self._members):
            grid.removeWidget(widget)
        if stacked:
            grid.addWidget(self._project, 0, 0, 1, 2)
            grid.addWidget(self._alignment, 1, 0, 1, 2)
            grid.addWidget(self._members, 2, 0, 1, 2)
        else:
            grid.addWidget(self._project, 0, 0)
            grid.addWidget(self._alignment, 0, 1)
            grid.addWidget(self._members, 1, 0, 1, 2)
        grid.setRowStretch(2, 1 if stacked else 0)
        grid.setRowStretch(3, 0 if stacked else 1)

    def is_stacked(self) -> bool:
        """True when the alignment ticks are shown below the team's fields (narrow window)."""
        return bool(self._stacked)

    # showing ---------------------------------------------------------------------------------
    def show_team(self, team_uuid: str) -> None:
        detail = self.context.call(self, lambda: self.context.services.teams.get(team_uuid))
        if detail is not None:
            self._show(detail)

    def _show(self, detail: TeamDetail) -> None:
        self.detail = detail
        for field, edit in self.text_edits.items():
            edit.setText(getattr(detail, field))
        self.focus_checks.set_codes(detail.focus_areas)
        self.objective_checks.set_codes(detail.strategic_objectives)
        self.domain_checks.set_codes(detail.quality_domains)
        self._fill_coaches(detail)
        self._fill_cohorts(detail)
        self.status_combo.setCurrentIndex(max(0, self.status_combo.findData(detail.status)))
        self._show_members(detail.members)

    def _fill_coaches(self, detail: TeamDetail) -> None:
        coaches = self.context.services.coaches.list_coaches()
        for combo, current, none_text in (
            (self.coach_combo, detail.coach_uuid, "No coach"),
            (self.buddy_combo, detail.buddy_coach_uuid, "No buddy coach"),
        ):
            combo.clear()
            combo.addItem(none_text, None)
            for coach in coaches:
                if coach.active or coach.uuid == current:
                    combo.addItem(coach.name, coach.uuid)
            combo.setCurrentIndex(max(0, combo.findData(current)))

    def _fill_cohorts(self, detail: TeamDetail) -> None:
        cohorts = self.context.services.cohorts.list_cohorts()
        names = [c.name for c in cohorts]
        combo = self.cohort_combo
        combo.clear()
        for cohort in cohorts:
            label = cohort.name
            if names.count(cohort.name) > 1:  # two cohorts of one name: tell them apart
                label += f" · from {format_date(cohort.start_date) or 'no start date'}"
            combo.addItem(label, cohort.uuid)
            teams = f"{cohort.team_count} team{'s' if cohort.team_count != 1 else ''}"
            combo.setItemData(combo.count() - 1, f"{label}: {teams}", Qt.ItemDataRole.ToolTipRole)
        combo.setCurrentIndex(max(0, combo.findData(detail.cohort_uuid)))

    def _move_to_cohort(self) -> None:
        detail = self.detail
        target = self.cohort_combo.currentData()
        if detail is None or target is None or target == detail.cohort_uuid:
            return
        label = self.cohort_combo.currentText()
        info = (
            "Its members, self-assessments, PDSA cycles and progress scores go with it, and "
            "both cohorts' summaries change. You can move it back the same way."
        )
        outside = self._scores_outside(detail.uuid, target)
        if outside:
            n = len(outside)
            months = ", ".join(f"{m:%b %Y}" for m in outside[:4]) + (" …" if n > 4 else "")
            during = f"{n} months ({months})" if n > 1 else months
            info += (
                f"\n\n⚠ Its progress scores for {during} are outside {label}'s months: they "
                "are kept, and marked ⚠ there."
            )
        if not self.context.confirm_action(
            self,
            "Move team",
            f"Move “{detail.name}” from {detail.cohort_name} to {label}?",
            info,
            "Move",
        ):
            self.cohort_combo.setCurrentIndex(
                max(0, self.cohort_combo.findData(detail.cohort_uuid))
            )
            return
        self._save("cohort_uuid", target)

    def _scores_outside(self, team_uuid: str, cohort_uuid: str) -> list[date]:
        """The months of the team's progress scores outside the cohort's months (oldest
        first, each once)."""
        found = self.context.call(
            self, lambda: self.context.services.progress.months_outside(cohort_uuid, [team_uuid])
        )
        return list((found or {}).get(team_uuid, ()))

    def _show_members(self, members: tuple[MemberInfo, ...]) -> None:
        selected = self.selected_member()
        self.members_model.set_rows(members)
        self.members_table.setVisible(bool(members))
        self.members_empty.setVisible(not members)
        active = sum(m.active for m in members)
        self.member_count.setText(
            f"{len(members)} member{'s' if len(members) != 1 else ''}, {active} active"
            if members
            else ""
        )
        if selected:
            for row, member in enumerate(members):
                if member.uuid == selected.uuid:
                    self.members_table.selectRow(row)
        self._update_buttons()

    # saving ----------------------------------------------------------------------------------
    def _save(self, field: str, value: Any) -> None:
        detail = self.detail
        if detail is None:
            return
        current = getattr(detail, field)
        if isinstance(current, tuple):
            if sorted(current) == sorted(value):
                return
        elif (value or None) == (current or None) or (
            isinstance(value, str) and value.strip() == current
        ):
            return
        updated = self.context.call(
            self, lambda: self.context.services.teams.update(detail.uuid, **{field: value})
        )
        if updated is None:
            self._show(detail)  # refused: show what is stored
            return
        self.detail = updated
        if field in self.text_edits and self.text_edits[field].text() != getattr(updated, field):
            self.text_edits[field].setText(getattr(updated, field))
        self.context.notify_saved(structure=field in STRUCTURE_FIELDS)

    # members ---------------------------------------------------------------------------------
    def selected_member(self) -> MemberInfo | None:
        return selected_row(self.members_table, self.members_model)

    def _update_buttons(self) -> None:
        has = self.selected_member() is not None
        self.edit_member_button.setEnabled(has)
        self.remove_member_button.setEnabled(has)
        self.member_history_button.setEnabled(has)

    def _reload_members(self) -> None:
        if self.detail is not None:
            self.show_team(self.detail.uuid)

    def add_member(self) -> None:
        if self.detail is None:
            return
        team_uuid = self.detail.uuid
        dialog = MemberDialog(
            self.context,
            lambda values: self.context.services.members.create(team_uuid, **values),
            parent=self,
        )
        if dialog.exec():
            self._reload_members()
            for row, member in enumerate(self.members_model.rows()):
                if member.uuid == dialog.saved_value.uuid:
                    self.members_table.selectRow(row)
            self.context.notify_saved()

    def edit_member(self) -> None:
        member = self.selected_member()
        if member is None:
            return
        dialog = MemberDialog(
            self.context,
            lambda values: self.context.services.members.update(member.uuid, **values),
            member=member,
            parent=self,
        )
        if dialog.exec():
            self._reload_members()
            self.context.notify_saved()

    def _member_menu(self, position: QPoint) -> None:
        index = self.members_table.indexAt(position)
        if not index.isValid():
            return
        self.members_table.selectRow(index.row())
        menu = QMenu(self)
        menu.addAction("Edit…", self.edit_member)
        menu.addAction("History…", self.member_history)
        menu.addSeparator()
        menu.addAction("Remove", self.remove_member)
        menu.exec(self.members_table.viewport().mapToGlobal(position))

    def member_history(self) -> None:
        member = self.selected_member()
        from qidesk.ui.dialogs.history_dialog import show_history  # loaded when used

        if member is not None and show_history(self.context, "Member", member.uuid, self):
            self._reload_members()

    def remove_member(self) -> None:
        member = self.selected_member()
        if member is None:
            return
        if not self.context.confirm_delete(self, f"the member “{member.name}”"):
            return
        row = self.members_table.currentIndex().row()
        had_focus = self.members_table.hasFocus()
        if self.context.attempt(self, lambda: self.context.services.members.delete(member.uuid)):
            self._reload_members()
            self.context.notify_deleted("Member", member.uuid, member.name)
            # The next member is selected and the table keeps the focus, as in any list.
            remaining = self.members_model.rowCount()
            if remaining:
                self.members_table.selectRow(min(max(row, 0), remaining - 1))
            if had_focus and remaining:
                self.members_table.setFocus()
            elif had_focus or self.remove_member_button.hasFocus():
                self.add_member_button.setFocus()  # the last one went: what comes next
