"""The StrEmo stage: the published sheet of YouTube clips -> downloaded audio -> clip WAVs.

* :mod:`~crossemo.strEmo.sheet` -- reading and validating the sheet, cutting the clips, the
  corpus manifest;
* :mod:`~crossemo.strEmo.download` -- one download per video with yt-dlp, a status for each;
* :mod:`~crossemo.strEmo.download_child` -- one download attempt, in a child process;
* :mod:`~crossemo.strEmo.devserver` -- the loopback media server tests and the demo download from.
"""
