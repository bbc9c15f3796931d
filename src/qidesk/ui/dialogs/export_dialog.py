"""Export: a full workbook of chosen cohorts and teams, or a self-assessment pack for one team."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QStackedWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from qidesk.services.base import ServiceError
from qidesk.services.export_service import ExportChoices, ExportSummary, TeamChoice
from qidesk.ui.context import UiContext
from qidesk.ui.dialogs.import_dialog import Worker, run_with_progress

STAGES = (("start", "Start"), ("mid", "Midpoint"), ("end", "End"))
UUID_ROLE = Qt.ItemDataRole.UserRole


def _safe_file_name(text: str) -> str:
    keep = "".join(ch if ch.isalnum() or ch in " -_" else " " for ch in text)
    return "-".join(keep.split()) or "export"


def _team_labels(teams: Sequence[TeamChoice]) -> list[str]:
    """How the pack page lists ``teams``: "Ward 7 · Cohort 8 (December 2025)" (not "Ward 7
    (Cohort 8 (December 2025))": cohort names often end in brackets). One team name in cohorts
    of one name (a lead's merge of coaches who each made the cohort) adds the coach, and if
    that repeats too, the start of the team's uuid, so that every label names one team."""
    labels = [f"{t.name} · {t.cohort_name}" for t in teams]
    labels = [
        f"{label} · {t.coach_name or 'no coach'}" if labels.count(label) > 1 else label
        for t, label in zip(teams, labels, strict=True)
    ]
    return [
        f"{label} · {t.uuid[:8]}" if labels.count(label) > 1 else label
        for t, label in zip(teams, labels, strict=True)
    ]


class ExportDialog(QDialog):
    """Choose what to export and where; the file is written off the UI thread."""

    def __init__(
        self,
        context: UiContext,
        *,
        team_uuid: str | None = None,
        pack: bool = False,
        stage: str | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.context = context
        self.service = context.services.workbook_export
        self.summary: ExportSummary | None = None
        self.worker: Worker | None = None
        self._running = False
        self.setWindowTitle("Export")
        self.resize(640, 560)
        self.choices: ExportChoices = self.service.choices()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 12)
        layout.setSpacing(8)
        self.full_radio = QRadioButton("Full workbook, to move data to another QI Desk")
        self.pack_radio = QRadioButton("Self-assessment pack, for a team to fill in")
        group = QButtonGroup(self)
        group.addButton(self.full_radio)
        group.addButton(self.pack_radio)
        layout.addWidget(self.full_radio)
        layout.addWidget(self.pack_radio)

        self.pages = QStackedWidget()
        layout.addWidget(self.pages, 1)

        full_page = QWidget()
        full_layout = QVBoxLayout(full_page)
        full_layout.setContentsMargins(0, 4, 0, 0)
        full_layout.setSpacing(4)
        hint = QLabel(
            "Tick the cohorts or teams to export. Nothing ticked exports everything. "
            "Coaches and templates always go along; deleted records too, so deletions travel."
        )
        hint.setWordWrap(True)
        full_layout.addWidget(hint)
        self.tree = QTreeWidget()
        self.tree.setHeaderHidden(True)
        self.tree.setAccessibleName("Cohorts and teams to export")
        by_cohort: dict[str, QTreeWidgetItem] = {}
        for cohort in self.choices.cohorts:
            item = QTreeWidgetItem([cohort.name])
            item.setData(0, UUID_ROLE, cohort.uuid)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(0, Qt.CheckState.Unchecked)
            self.tree.addTopLevelItem(item)
            by_cohort[cohort.uuid] = item
        for team in self.choices.teams:
            parent_item = by_cohort.get(team.cohort_uuid)
            if parent_item is None:
                continue
            child = QTreeWidgetItem([team.name])
            child.setData(0, UUID_ROLE, team.uuid)
            child.setFlags(child.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            child.setCheckState(0, Qt.CheckState.Unchecked)
            parent_item.addChild(child)
        self.tree.itemChanged.connect(self._tree_changed)
        full_layout.addWidget(self.tree, 1)
        self.pages.addWidget(full_page)

        pack_page = QWidget()
        form = QFormLayout(pack_page)
        form.setContentsMargins(0, 4, 0, 0)
        form.setSpacing(8)
        self.team_combo = QComboBox()
        self.team_combo.setAccessibleName("Team")
        self._team_names = {team.uuid: team.name for team in self.choices.teams}
        self._teams = {team.uuid: team for team in self.choices.teams}
        for team, label in zip(self.choices.teams, _team_labels(self.choices.teams), strict=True):
            self.team_combo.addItem(label, team.uuid)
        # A lead has hundreds of teams: type part of a team's (or cohort's) name to find it.
        self.team_combo.setEditable(True)
        self.team_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.team_combo.lineEdit().setPlaceholderText("Type part of a team's name")
        completer = self.team_combo.completer()
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.stage_combo = QComboBox()
        self.stage_combo.setAccessibleName("Stage")
        for key, label in STAGES:
            self.stage_combo.addItem(label, key)
        form.addRow("Team:", self.team_combo)
        #: What the chosen stage holds already (the pack shows those answers).
        self.stage_note = QLabel("")
        self.stage_note.setWordWrap(True)
        stage_field = QWidget()
        stage_layout = QVBoxLayout(stage_field)
        stage_layout.setContentsMargins(0, 0, 0, 0)
        stage_layout.setSpacing(4)
        stage_layout.addWidget(self.stage_combo)
        stage_layout.addWidget(self.stage_note)
        form.addRow("Stage:", stage_field)
        pack_hint = QLabel(
            "The pack lists the capabilities as rows and the team's members as columns, with "
            "drop-downs for the levels. It works in Excel and LibreOffice Calc; import it back "
            "when the team has filled it in."
        )
        pack_hint.setWordWrap(True)
        form.addRow(pack_hint)
        self.pages.addWidget(pack_page)

        file_row = QHBoxLayout()
        file_row.setSpacing(8)
        self.path_edit = QLineEdit()
        self.path_edit.setAccessibleName("File to write")
        self.browse_button = QPushButton("Choose…")
        file_row.addWidget(QLabel("File:"))
        file_row.addWidget(self.path_edit, 1)
        file_row.addWidget(self.browse_button)
        layout.addLayout(file_row)

        self.status = QLabel("")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.box = QDialogButtonBox()
        self.export_button = self.box.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.close_button = self.box.addButton(QDialogButtonBox.StandardButton.Close)
        layout.addWidget(self.box)

        self.full_radio.toggled.connect(self._mode_changed)
        self.team_combo.currentIndexChanged.connect(lambda _i: self._team_changed())
        self.stage_combo.currentIndexChanged.connect(lambda _i: self._stage_changed())
        self.browse_button.clicked.connect(self.browse)
        self.export_button.clicked.connect(self.export)
        self.close_button.clicked.connect(self.reject)
        self.path_edit.textChanged.connect(
            lambda text: self.export_button.setEnabled(bool(text.strip()))
        )

        if team_uuid is not None:
            index = self.team_combo.findData(team_uuid)
            if index >= 0:
                self.team_combo.setCurrentIndex(index)
        self._team_changed()
        if stage is not None and self.stage_combo.findData(stage) >= 0:  # the stage shown there
            self.stage_combo.setCurrentIndex(self.stage_combo.findData(stage))
        (self.pack_radio if pack and self.team_combo.count() else self.full_radio).setChecked(True)
        self.pack_radio.setEnabled(self.team_combo.count() > 0)
        self._mode_changed()

    # choices -------------------------------------------------------------------------------
    def _tree_changed(self, item: QTreeWidgetItem, _column: int) -> None:
        if item.parent() is None and item.childCount():
            self.tree.blockSignals(True)
            for i in range(item.childCount()):
                item.child(i).setCheckState(0, item.checkState(0))
            self.tree.blockSignals(False)
        self._suggest_path()

    def checked(self) -> tuple[list[str], list[str]]:
        """(cohort uuids, team uuids) ticked; a ticked cohort stands for all its teams."""
        cohorts: list[str] = []
        teams: list[str] = []
        for i in range(self.tree.topLevelItemCount()):
            cohort = self.tree.topLevelItem(i)
            if cohort.checkState(0) == Qt.CheckState.Checked:
                cohorts.append(cohort.data(0, UUID_ROLE))
                continue
            for j in range(cohort.childCount()):
                team = cohort.child(j)
                if team.checkState(0) == Qt.CheckState.Checked:
                    teams.append(team.data(0, UUID_ROLE))
        return cohorts, teams

    def _team_changed(self) -> None:
        """A team chosen: its next stage (the first without answers), so a coach at the
        midpoint does not send the team the start pack by default."""
        team = self._teams.get(self.team_combo.currentData())
        if team is not None:
            self.stage_combo.setCurrentIndex(self.stage_combo.findData(team.next_stage))
        self._stage_changed()

    def _stage_changed(self) -> None:
        team = self._teams.get(self.team_combo.currentData())
        stage = self.stage_combo.currentData()
        label = self.stage_combo.currentText().lower()
        if team is None:
            self.stage_note.setText("")
        elif stage in team.answered_stages:
            self.stage_note.setText(
                f"{team.name} already has {label} answers: the pack shows them, so the team "
                "can check and change them."
            )
        else:
            self.stage_note.setText(f"No {label} answers recorded for {team.name} yet.")
        self._suggest_path()

    def _mode_changed(self) -> None:
        self.pages.setCurrentIndex(0 if self.full_radio.isChecked() else 1)
        self._suggest_path()

    def _suggest_path(self) -> None:
        folder = Path(self.path_edit.text()).parent if self.path_edit.text() else Path.home()
        if self.full_radio.isChecked():
            cohorts, teams = self.checked()
            name = "qidesk-export" if not (cohorts or teams) else "qidesk-export-selection"
        else:
            team = self._team_names.get(self.team_combo.currentData(), "")
            name = f"self-assessment-{_safe_file_name(team)}-{self.stage_combo.currentData()}"
        self.path_edit.setText(str(folder / f"{name}.xlsx"))

    def browse(self) -> None:
        chosen, _ = QFileDialog.getSaveFileName(
            self, "Export to", self.path_edit.text(), "Excel workbook (*.xlsx)"
        )
        if chosen:
            if not chosen.lower().endswith(".xlsx"):
                chosen += ".xlsx"
            self.path_edit.setText(chosen)

    # exporting -----------------------------------------------------------------------------
    def export(self) -> None:
        if self.pack_radio.isChecked() and self.team_combo.currentText() != (
            self.team_combo.itemText(self.team_combo.currentIndex())
        ):  # typed, but not one of the teams: never the one chosen before
            self.status.setText("Choose a team from the list (type part of its name).")
            self.team_combo.setFocus()
            return
        target = Path(self.path_edit.text().strip()).expanduser()
        if target.exists():
            from PySide6.QtWidgets import QMessageBox

            answer = QMessageBox.question(
                self,
                "Replace the file?",
                f"{target.name} already exists. Replace it?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        if self.full_radio.isChecked():
            cohorts, teams = self.checked()

            def job(_progress, _cancelled):  # type: ignore[no-untyped-def]
                return self.service.export_full(target, cohort_uuids=cohorts, team_uuids=teams)

        else:
            team_uuid = self.team_combo.currentData()
            stage = self.stage_combo.currentData()

            def job(_progress, _cancelled):  # type: ignore[no-untyped-def]
                return self.service.export_pack(target, team_uuid=team_uuid, stage=stage)

        self.export_button.setEnabled(False)
        self._running = True
        self.status.setText("Writing…")
        self.worker = run_with_progress(self, "Exporting…", job, self._done, self._failed)

    def reject(self) -> None:
        if self._running:
            return  # the file is being written; it takes seconds and cannot be left half done
        super().reject()

    def _done(self, summary: ExportSummary) -> None:
        self._running = False
        self.summary = summary
        self.export_button.setEnabled(True)
        what = f"{summary.rows} records"
        if summary.kind == "assessment-pack":
            stage = self.stage_combo.currentText().lower()
            what = f"the self-assessment pack of {summary.team}, {stage},"
        self.status.setText(f"Wrote {what} to {summary.path}.")

    def _failed(self, exc: BaseException) -> None:
        self._running = False
        self.export_button.setEnabled(True)
        self.status.setText("")
        if isinstance(exc, ServiceError):
            self.context.show_problem(self, str(exc))
        else:
            self.context.show_problem(self, f"The export failed: {exc}")
