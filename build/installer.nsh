; electron-builder's NSIS hooks (nsis.include): put resources\bin, which holds tray-cred-helper.exe and
; tray-cred.cmd, on the user's Path at install, and take it off at uninstall. The Path is read and written
; unexpanded (REG_EXPAND_SZ), so entries such as %USERPROFILE%\bin stay as they were; the dummy variable
; set last makes Windows broadcast WM_SETTINGCHANGE, so terminals opened afterwards see the change.
; PowerShell does the editing: NSIS strings are limited to 1024 characters, and a Path is often longer.

!macro trayCredPath action
  nsExec::ExecToLog `"$SYSDIR\WindowsPowerShell\v1.0\powershell.exe" -NoProfile -NonInteractive -ExecutionPolicy Bypass -Command "$$dir = '$INSTDIR\resources\bin'; $$key = Get-Item 'HKCU:\Environment'; $$path = [string]$$key.GetValue('Path', '', 'DoNotExpandEnvironmentNames'); $$kept = @($$path -split ';' | Where-Object { $$_ -and ($$_.TrimEnd('\') -ne $$dir) }); if ('${action}' -eq 'add') { $$kept += $$dir }; Set-ItemProperty -Path 'HKCU:\Environment' -Name Path -Type ExpandString -Value ($$kept -join ';'); [Environment]::SetEnvironmentVariable('TRAY_CRED_PATH_CHANGED', '1', 'User'); [Environment]::SetEnvironmentVariable('TRAY_CRED_PATH_CHANGED', $$null, 'User')"`
!macroend

!macro customInstall
  !insertmacro trayCredPath add
!macroend

!macro customUnInstall
  !insertmacro trayCredPath remove
!macroend
