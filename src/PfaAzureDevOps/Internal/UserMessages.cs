using System;
using System.Globalization;
using System.Management.Automation;

namespace PfaAzureDevOps.Internal
{
    /// <summary>
    /// What a person sees on success: one or two short lines on the information stream, tagged PSHOST so the host shows
    /// them while scripts keep a clean output (and can capture them with 6>&amp;1 or -InformationVariable). One date format
    /// throughout: <see cref="Time"/> for instants, <see cref="Date"/> for days.
    /// </summary>
    internal static class UserMessages
    {
        public static void Show(Cmdlet cmdlet, string text) =>
            cmdlet.WriteInformation(new HostInformationMessage { Message = text, NoNewLine = false }, new[] { "PSHOST" });

        /// <summary>An instant as people read it here and in every view: 2026-12-01 14:05 UTC.</summary>
        public static string Time(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC";

        public static string Date(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

        /// <summary>Whether Set-Clipboard can work here: Windows and macOS always; Linux with xclip, xsel or wl-copy on PATH.</summary>
        public static bool ClipboardAvailable()
        {
            if (System.Runtime.InteropServices.RuntimeInformation.IsOSPlatform(System.Runtime.InteropServices.OSPlatform.Windows)
                || System.Runtime.InteropServices.RuntimeInformation.IsOSPlatform(System.Runtime.InteropServices.OSPlatform.OSX))
            {
                return true;
            }

            if (Environment.GetEnvironmentVariable("DISPLAY") is null && Environment.GetEnvironmentVariable("WAYLAND_DISPLAY") is null)
            {
                return false;
            }

            string path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
            foreach (string folder in path.Split(System.IO.Path.PathSeparator))
            {
                foreach (string tool in new[] { "xclip", "xsel", "wl-copy" })
                {
                    if (folder.Length > 0 && System.IO.File.Exists(System.IO.Path.Combine(folder, tool)))
                    {
                        return true;
                    }
                }
            }

            return false;
        }

        /// <summary>Whether the current user already has an SSH key in the module's store (false when unreadable).</summary>
        public static bool HasLocalKey()
        {
            try
            {
                return new Core.Ssh.SshKeyStore().Get() != null;
            }
            catch (Core.PfaException)
            {
                return false;
            }
        }
    }
}
