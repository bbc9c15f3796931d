; QI Desk: per-user Windows installer (Inno Setup 6).
;
; Build on Windows:  python installer\build.py --installer
; (or: python installer\build.py, then "C:\Program Files (x86)\Inno Setup 6\ISCC.exe"
;  installer\windows\qidesk.iss). Output: installer\dist\qidesk-VERSION-setup.exe.
;
; Coaches' laptops are locked down: no admin rights. So this installs for the current user only
; (PrivilegesRequired=lowest, never asks for elevation), into
; %LOCALAPPDATA%\Programs\QI Desk, with a Start-menu shortcut and, if chosen, a desktop icon.
;
; The user's data is NOT in the install folder: QI Desk keeps its database, backups, logs and
; settings in platformdirs' user data folder, %LOCALAPPDATA%\QI Desk\qidesk. Uninstalling removes
; the program folder only and leaves that data alone; nothing below may ever name it.

#include "version.iss"

#define AppName "QI Desk"
#define AppExeName "qidesk.exe"
#define AppCliName "qidesk-cli.exe"

[Setup]
; AppId identifies the product for upgrades and uninstall: never change it.
AppId={{EC733AD2-B3E7-4BFB-8CC3-14DE09C0BD0C}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher={#AppPublisher}
AppCopyright=Copyright (C) {#AppPublisher}
VersionInfoVersion={#AppVersionNumeric}
VersionInfoProductVersion={#AppVersionNumeric}
VersionInfoDescription={#AppName} setup

; Per-user install: no UAC prompt; {userpf} is %LOCALAPPDATA%\Programs.
PrivilegesRequired=lowest
DefaultDirName={userpf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
DisableDirPage=auto
UsePreviousAppDir=yes

ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0

; An upgrade while QI Desk is open: ask Windows' Restart Manager to close it first.
CloseApplications=yes
RestartApplications=no

OutputDir=..\dist
OutputBaseFilename=qidesk-{#AppVersion}-setup
SetupIconFile=..\..\resources\icons\qidesk.ico
UninstallDisplayIcon={app}\{#AppExeName}
UninstallDisplayName={#AppName}
WizardStyle=modern
Compression=lzma2/max
SolidCompression=yes

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; An upgrade replaces the bundled libraries wholesale, so no stale file of an older version
; lingers. This is the program folder only.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
; The one-folder build made by installer\build.py (qidesk.exe, qidesk-cli.exe, _internal\).
Source: "..\dist\qidesk\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
; With PrivilegesRequired=lowest, {autoprograms} and {autodesktop} are the user's own folders.
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExeName}"; WorkingDir: "{app}"; Comment: "Teams, self-assessments, PDSA cycles and workbook sync"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExeName}"; WorkingDir: "{app}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExeName}"; Description: "{cm:LaunchProgram,{#StringChange(AppName, '&', '&&')}}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; Files QI Desk may create inside its own program folder at run time (Python byte-code of the
; migration scripts). Only {app}: the user's data folder is never touched.
Type: filesandordirs; Name: "{app}\_internal"

[Code]
procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  if (CurUninstallStep = usPostUninstall) and not UninstallSilent() then
    MsgBox('{#AppName} has been removed. Your QI Desk data (database, backups and logs) was kept in '
      + ExpandConstant('{localappdata}') + '\QI Desk\qidesk. Delete that folder yourself if you '
      + 'no longer need it.', mbInformation, MB_OK);
end;
