using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics;
using System.IO;
using System.Runtime.InteropServices;

namespace PfaAzureDevOps.Core.Interaction
{
    /// <summary>
    /// Opens a URL for the user: the command(s) in $BROWSER when set (the convention gh and xdg-open follow:
    /// a ':'-separated list, '%s' replaced by the URL, else the URL appended), otherwise the system browser.
    /// </summary>
    public static class BrowserLauncher
    {
        public const string BrowserVariable = "BROWSER";

        /// <summary>True when $BROWSER names a command; such sessions may open a browser even without a desktop.</summary>
        public static bool HasBrowserOverride => !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(BrowserVariable));

        /// <summary>Whether a browser can be expected here at all (a desktop session, or $BROWSER).</summary>
        public static bool CanOpen()
        {
            if (HasBrowserOverride || RuntimeInformation.IsOSPlatform(OSPlatform.Windows) || RuntimeInformation.IsOSPlatform(OSPlatform.OSX))
            {
                return true;
            }

            return !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DISPLAY")) || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("WAYLAND_DISPLAY"));
        }

        /// <summary>Starts the browser and returns the process started (which may exit at once), or null if none could start.</summary>
        public static Process? Open(Uri url)
        {
            string target = url.AbsoluteUri;
            string? configured = Environment.GetEnvironmentVariable(BrowserVariable);
            if (!string.IsNullOrWhiteSpace(configured))
            {
                foreach (string entry in configured!.Split(new[] { RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? ';' : ':' }, StringSplitOptions.RemoveEmptyEntries))
                {
                    List<string> words = SplitCommand(entry.Trim());
                    if (words.Count == 0)
                    {
                        continue;
                    }

                    bool substituted = false;
                    var info = new ProcessStartInfo(words[0]) { UseShellExecute = false };
                    var arguments = new List<string>();
                    for (int i = 1; i < words.Count; i++)
                    {
                        substituted |= words[i].Contains("%s");
                        arguments.Add(words[i].Replace("%s", target));
                    }

                    if (!substituted)
                    {
                        arguments.Add(target);
                    }

                    info.Arguments = string.Join(" ", arguments.ConvertAll(Quote));
                    Process? started = TryStart(info);
                    if (started != null)
                    {
                        return started;
                    }
                }

                return null;
            }

            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                return TryStart(new ProcessStartInfo(target) { UseShellExecute = true });
            }

            string opener = RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? "open" : "xdg-open";
            return TryStart(new ProcessStartInfo(opener, Quote(target)) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true });
        }

        private static Process? TryStart(ProcessStartInfo info)
        {
            // The browser gets no standard input (an empty, closed pipe): inheriting the console's would let it take
            // the next line the user types at the prompt.
            if (!info.UseShellExecute)
            {
                info.RedirectStandardInput = true;
            }

            try
            {
                Process? started = Process.Start(info);
                if (started != null && !info.UseShellExecute)
                {
                    try
                    {
                        started.StandardInput.Close();
                    }
                    catch (Exception ex) when (ex is IOException || ex is InvalidOperationException)
                    {
                        // Already gone: nothing to keep from it.
                    }
                }

                return started;
            }
            catch (Win32Exception)
            {
                return null;
            }
            catch (InvalidOperationException)
            {
                return null;
            }
        }

        private static string Quote(string argument) =>
            argument.IndexOfAny(new[] { ' ', '"', '\t' }) < 0 ? argument : "\"" + argument.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

        private static List<string> SplitCommand(string command)
        {
            var words = new List<string>();
            var current = new System.Text.StringBuilder();
            char quote = '\0';
            foreach (char c in command)
            {
                if (quote != '\0')
                {
                    if (c == quote)
                    {
                        quote = '\0';
                    }
                    else
                    {
                        current.Append(c);
                    }
                }
                else if (c == '"' || c == '\'')
                {
                    quote = c;
                }
                else if (char.IsWhiteSpace(c))
                {
                    if (current.Length > 0)
                    {
                        words.Add(current.ToString());
                        current.Clear();
                    }
                }
                else
                {
                    current.Append(c);
                }
            }

            if (current.Length > 0)
            {
                words.Add(current.ToString());
            }

            return words;
        }
    }
}
