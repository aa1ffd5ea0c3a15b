using System.Collections.Generic;
using System.Text;

namespace PfaAzureDevOps.Core.Platform
{
    /// <summary>
    /// Windows' one-string command line (ProcessStartInfo.Arguments on .NET Framework, which has no ArgumentList), quoted
    /// so that the C runtime's parser (CommandLineToArgvW rules, as git.exe and ssh.exe use) gives back each argument
    /// exactly: arguments without space, tab or quote go as they are; others in quotes, with backslashes doubled only
    /// where they precede a quote. Pure string work, tested on every platform.
    /// </summary>
    internal static class WindowsCommandLine
    {
        public static string Join(IEnumerable<string> arguments)
        {
            var builder = new StringBuilder();
            foreach (string argument in arguments)
            {
                if (builder.Length > 0)
                {
                    builder.Append(' ');
                }

                Append(builder, argument);
            }

            return builder.ToString();
        }

        private static void Append(StringBuilder builder, string argument)
        {
            if (argument.Length > 0 && argument.IndexOfAny(new[] { ' ', '\t', '\n', '\v', '"' }) < 0)
            {
                builder.Append(argument);
                return;
            }

            builder.Append('"');
            int backslashes = 0;
            foreach (char c in argument)
            {
                if (c == '\\')
                {
                    backslashes++;
                    continue;
                }

                if (c == '"')
                {
                    builder.Append('\\', (backslashes * 2) + 1);
                }
                else
                {
                    builder.Append('\\', backslashes);
                }

                backslashes = 0;
                builder.Append(c);
            }

            builder.Append('\\', backslashes * 2);
            builder.Append('"');
        }
    }
}
