using System;
using System.Collections.Generic;
using System.Text;

namespace PfaAzureDevOps
{
    /// <summary>
    /// Text for the module's views (PfaAzureDevOps.format.ps1xml): PowerShell's formatter breaks a long value anywhere,
    /// inside words and names, so the views break it themselves, between words (or after a '/' in a URL), to the width a
    /// column has at 80 columns, or less on a narrower console. Public only so the views' script blocks can call it.
    /// </summary>
    public static class ViewText
    {
        /// <summary>The text broken between words so no line is longer than the column (<paramref name="widthAt80"/> at 80 columns).</summary>
        public static string Words(string? text, int widthAt80) => Break(text, Fit(widthAt80), ' ', keepSeparatorAtEnd: false);

        /// <summary>Each item broken between words, one item per line.</summary>
        public static string Lines(IEnumerable<string>? items, int widthAt80)
        {
            var lines = new List<string>();
            foreach (string item in items ?? Array.Empty<string>())
            {
                lines.Add(Words(item, widthAt80));
            }

            return string.Join("\n", lines);
        }

        /// <summary>A URL or path broken only after a '/', never inside a name.</summary>
        public static string Url(object? url, int widthAt80) => Break(url?.ToString(), Fit(widthAt80), '/', keepSeparatorAtEnd: true);

        internal static string Break(string? text, int width, char separator, bool keepSeparatorAtEnd)
        {
            if (string.IsNullOrEmpty(text))
            {
                return string.Empty;
            }

            var result = new StringBuilder();
            string[] paragraphs = text!.Replace("\r\n", "\n").Split('\n');
            for (int p = 0; p < paragraphs.Length; p++)
            {
                if (p > 0)
                {
                    result.Append('\n');
                }

                var line = new StringBuilder();
                foreach (KeyValuePair<string, bool> token in Tokens(paragraphs[p], width, separator, keepSeparatorAtEnd))
                {
                    // token.Value: the token follows a space (a new word), else it continues the word before it.
                    if (line.Length > 0 && line.Length + (token.Value ? 1 : 0) + token.Key.Length > width)
                    {
                        result.Append(line.ToString()).Append('\n');
                        line.Clear();
                    }
                    else if (line.Length > 0 && token.Value)
                    {
                        line.Append(' ');
                    }

                    line.Append(token.Key);
                }

                result.Append(line.ToString());
            }

            return result.ToString();
        }

        /// <summary>The words (or URL parts) of a line; a word longer than the column is cut after its '/'s.</summary>
        private static IEnumerable<KeyValuePair<string, bool>> Tokens(string text, int width, char separator, bool keepSeparatorAtEnd)
        {
            if (keepSeparatorAtEnd)
            {
                foreach (string part in SplitAfter(text, separator))
                {
                    yield return new KeyValuePair<string, bool>(part, false);
                }

                yield break;
            }

            foreach (string word in text.Split(separator))
            {
                if (word.Length <= width || word.IndexOf('/') < 0)
                {
                    yield return new KeyValuePair<string, bool>(word, true);
                    continue;
                }

                bool first = true;
                foreach (string part in SplitAfter(word, '/'))
                {
                    yield return new KeyValuePair<string, bool>(part, first);
                    first = false;
                }
            }
        }

        private static IEnumerable<string> SplitAfter(string text, char separator)
        {
            int start = 0;
            for (int i = 0; i < text.Length; i++)
            {
                if (text[i] == separator)
                {
                    yield return text.Substring(start, i - start + 1);
                    start = i + 1;
                }
            }

            if (start < text.Length)
            {
                yield return text.Substring(start);
            }
        }

        /// <summary>The column's width: as at 80 columns, less on a narrower console (never below 20).</summary>
        private static int Fit(int widthAt80)
        {
            int console = 80;
            try
            {
                if (!Console.IsOutputRedirected && Console.WindowWidth > 0)
                {
                    console = Console.WindowWidth;
                }
            }
            catch (System.IO.IOException)
            {
            }
            catch (InvalidOperationException)
            {
            }

            return Math.Max(20, widthAt80 - Math.Max(0, 80 - console));
        }
    }
}
