"""The application layer: the use cases every adapter (web pages, JSON API, CLI) calls.

* :class:`~neckcheck.services.diary.Diary`: one person's diary: log, edit, end, list,
  assess, insights, report, export and import;
* :class:`~neckcheck.services.clinic.Clinic`: accounts, sign-in, sharing, invitations and a
  clinician's list of patients;
* :mod:`~neckcheck.services.access`: who may do what to whose diary, and the audit log.
"""
